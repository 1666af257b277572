import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret for tests. */
export const WEBHOOK_SECRET = `whsec_${Buffer.from('a test webhook secret of 32 bytes').toString('base64')}`;

/** One request the receiver got: its headers, raw body, and the answer it gave. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** The verified event of a request: what a receiver built on the reference library would see. */
export interface VerifiedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/**
 * A real HTTP server standing in for a webhook receiver: records every request and answers
 * with the next status of `answers` (200 once they run out).
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private readonly verifier = new Webhook(WEBHOOK_SECRET);

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly answers: number[],
  ) {}

  static async start(answers: number[] = [], port = 0): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = receiver!.answers.shift() ?? 200;
        receiver!.requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString(), status });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const { port: actual } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${actual}/hooks`, answers);
    return receiver;
  }

  /** Requests answered 2xx, verified with the secret (throws on a bad signature). */
  delivered(): VerifiedEvent[] {
    return this.requests.filter((request) => request.status < 300).map((request) => this.verify(request));
  }

  /** Delivered events of `type` (and of `userId`, when given). */
  deliveredOf(type: string, userId?: string): VerifiedEvent[] {
    return this.delivered().filter((event) => event.type === type && (userId === undefined || event.data.userId === userId));
  }

  verify(request: ReceivedWebhook): VerifiedEvent {
    const payload = this.verifier.verify(request.body, request.headers as Record<string, string>) as Omit<VerifiedEvent, 'id'>;
    return { id: String(request.headers['webhook-id']), ...payload };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
