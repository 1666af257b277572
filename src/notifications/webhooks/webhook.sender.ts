import type { OutboxEntry } from './webhook.outbox.js';
import type { WebhookSigner } from './webhook.signer.js';

/** How one request ended: a 2xx, another status, no answer within WEBHOOK_TIMEOUT_MS, or no connection. */
export type AttemptOutcome = 'delivered' | 'rejected' | 'timeout' | 'unreachable';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['delivered', 'rejected', 'timeout', 'unreachable'];

export interface AttemptResult {
  outcome: AttemptOutcome;
  /** The status, or the error, for the log. */
  detail: string;
}

/** POSTs one signed event to WEBHOOK_URL; never throws. */
export class WebhookSender {
  constructor(
    private readonly url: string,
    private readonly signer: WebhookSigner,
    private readonly timeoutMs: number,
  ) {}

  async send(entry: OutboxEntry): Promise<AttemptResult> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.signer.headers(entry.id, entry.body) },
        body: entry.body,
        // A redirect is the receiver's mistake to fix, not a place to send signed events to.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The body is not read: dropping it frees the connection.
      await response.body?.cancel();
      const outcome = response.status >= 200 && response.status < 300 ? 'delivered' : 'rejected';
      return { outcome, detail: `HTTP ${response.status}` };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { outcome: 'timeout', detail: `no answer within ${this.timeoutMs} ms` };
      const cause = (error as Error & { cause?: Error }).cause;
      return { outcome: 'unreachable', detail: cause?.message ?? (error as Error).message };
    }
  }
}
