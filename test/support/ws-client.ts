import { WebSocket } from 'ws';
import { asyncApiDocument } from '../../src/asyncapi/asyncapi.document.js';
import { Arrivals } from './arrivals.js';
import { DocumentSchemas } from './document-schemas.js';

/** The served AsyncAPI document's schemas: every frame a test takes must fit its event's message. */
const protocol = new DocumentSchemas(asyncApiDocument);

/** Where a frame breaks the AsyncAPI document; empty when it fits. */
export function frameErrors(frame: Frame): string[] {
  if (!(frame.event in asyncApiDocument.components.messages)) return [`no message "${frame.event}" in the AsyncAPI document`];
  return protocol.errors(frame, 'components', 'messages', frame.event, 'payload');
}

export interface Frame {
  event: string;
  data: any;
}

/**
 * A real `ws` client that queues every frame it receives, so tests can await the next one
 * (or the next of an event) with a timeout; a timeout is how "no reply" is asserted.
 */
export class TestClient {
  private readonly arrivals = new Arrivals<Frame>('frame', (what) => (this.closeCode === null ? null : `closed with ${this.closeCode} while waiting for ${what}`));
  /** The frames received and not taken yet. */
  readonly frames = this.arrivals.items;
  closeCode: number | null = null;
  closeReason = '';
  private readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw: Buffer) => {
      this.arrivals.push(JSON.parse(raw.toString()));
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.arrivals.wake();
        resolve(code);
      }),
    );
  }

  /** Opens a connection and waits for `welcome`. */
  static async connect(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<TestClient> {
    const client = await TestClient.open(url, options);
    await client.next('welcome');
    return client;
  }

  /** Opens a connection without waiting for any frame. */
  static open(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<TestClient> {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new HandshakeRejected(res.statusCode ?? 0)));
      socket.once('error', reject);
    });
  }

  send(event: string, data: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  sendRaw(raw: string | Buffer, binary = false): void {
    this.socket.send(raw, { binary });
  }

  /**
   * Removes and returns the first queued frame (of `event`, if given), waiting up to `timeoutMs`;
   * fails when the frame does not fit the AsyncAPI document.
   */
  async next(event?: string, timeoutMs = 3000): Promise<Frame> {
    const frame = await this.arrivals.take(event, timeoutMs);
    const errors = frameErrors(frame);
    if (errors.length > 0) throw new Error(`${frame.event} frame does not fit the AsyncAPI document: ${errors.join('; ')}`);
    return frame;
  }

  /** Sends a command and returns the next frame of `reply`. */
  async request(event: string, data: unknown, reply: string): Promise<Frame> {
    this.send(event, data);
    return this.next(reply);
  }

  /** Asserts that no frame of `event` arrives within `ms`. */
  expectNone(event: string, ms = 300): Promise<void> {
    return this.arrivals.expectNone(event, ms);
  }

  /** Waits for the close and returns its code. */
  waitClose(timeoutMs = 3000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<number>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    // The timer goes with the close, so a test that checks for leftover timers sees none of its own.
    return Promise.race([this.closed, late]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.socket.close();
  }
}

export class HandshakeRejected extends Error {
  constructor(readonly status: number) {
    super(`handshake rejected with HTTP ${status}`);
  }
}
