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

  private readonly server: Server;
  url = '';

  private constructor(private readonly answers: number[]) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.answers.shift() ?? 200;
        this.requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString(), status });
        response.writeHead(status).end();
      });
    });
  }

  /** Listens on `port` (any free one by default) and answers with `answers`, then 200. */
  static async start(answers: number[] = [], port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver([...answers]);
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks`;
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
