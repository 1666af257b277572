import { http } from './http.js';

/**
 * Publishes to a topic over REST at a fixed rate, whatever the answers take (open loop, as real
 * backends do), each payload carrying its send time so receivers can measure latency.
 */
export class SteadyPublisher {
  /** Id of every publish that got its 202. */
  readonly acked: string[] = [];
  /** Status of every publish refused (or 0 when the request failed). */
  readonly refused: number[] = [];
  private sent = 0;
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly baseUrl: string,
    private readonly topic: string,
    private readonly perSecond: number,
    /** Filler in each payload, so a test can choose how many bytes a second it sends. */
    private readonly padBytes = 0,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.publishOne(), 1000 / this.perSecond);
    return this;
  }

  /** Stops publishing and waits for the answers still under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  private publishOne(): void {
    const n = this.sent++;
    const payload = { n, sentAt: Date.now(), ...(this.padBytes > 0 ? { pad: 'x'.repeat(this.padBytes) } : {}) };
    const request = http(this.baseUrl, 'POST', '/notifications', { type: 'steady.tick', topic: this.topic, payload })
      .then(({ status, body }) => {
        if (status === 202) this.acked.push(body.notifications[0].id);
        else this.refused.push(status);
      })
      .catch(() => {
        this.refused.push(0);
      })
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }
}
