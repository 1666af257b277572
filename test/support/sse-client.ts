import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { Arrivals } from './arrivals.js';
import { frameErrors } from './ws-client.js';

/** One event of a stream: its `id:` (null when it had none), event name and parsed data. */
export interface StreamEvent {
  id: string | null;
  event: string;
  data: any;
}

/** A refused `GET /sse`: its status, headers and JSON body. */
export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly headers: IncomingMessage['headers'],
    readonly body: any,
  ) {
    super(`stream refused with HTTP ${status}`);
  }
}

/**
 * A Server-Sent Events client over node:http that parses the stream as the WHATWG spec says
 * (fields, comments, blank-line dispatch) and queues every event; each event must fit its message
 * in the AsyncAPI document, as WebSocket frames must.
 */
export class SseClient {
  private readonly arrivals = new Arrivals<StreamEvent>('event', (what) =>
    this.misfits.length > 0 ? this.misfits.join('\n') : this.ended ? `stream ended while waiting for ${what}` : null,
  );
  /** The events received and not taken yet. */
  readonly events = this.arrivals.items;
  /** Comment lines received (heartbeats). */
  comments = 0;
  /** Set once the stream ended (the server closed it, or it was cut). */
  ended = false;
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  private readonly misfits: string[] = [];
  private buffer = '';
  private pending: { id: string | null; event: string; data: string[] } = { id: null, event: 'message', data: [] };

  private constructor(
    private readonly req: ClientRequest,
    readonly response: IncomingMessage,
  ) {
    this.status = response.statusCode ?? 0;
    this.headers = response.headers;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    const end = () => {
      this.ended = true;
      this.arrivals.wake();
    };
    response.on('end', end);
    response.on('close', end);
    response.on('error', end);
  }

  /** Opens `GET url`; resolves once the stream's headers are in, or rejects with StreamRefused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        if (response.statusCode !== 200) {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => reject(new StreamRefused(response.statusCode ?? 0, response.headers, body ? JSON.parse(body) : null)));
          return;
        }
        resolve(new SseClient(req, response));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Opens a stream and waits for `welcome`; answers the client and the stream id. */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<{ client: SseClient; streamId: string }> {
    const client = await SseClient.open(url, headers);
    const welcome = await client.next('welcome');
    return { client, streamId: welcome.data.connectionId };
  }

  /** Removes and returns the first queued event (of `event`, if given), waiting up to `timeoutMs`. */
  async next(event?: string, timeoutMs = 3000): Promise<StreamEvent> {
    const taken = await this.arrivals.take(event, timeoutMs);
    if (this.misfits.length > 0) throw new Error(this.misfits.join('\n'));
    return taken;
  }

  /** Takes the next `count` notifications. */
  async notifications(count: number, timeoutMs = 5000): Promise<StreamEvent[]> {
    const taken: StreamEvent[] = [];
    while (taken.length < count) taken.push(await this.next('notification', timeoutMs));
    return taken;
  }

  /** Asserts that no event of `event` arrives within `ms`. */
  expectNone(event: string, ms = 300): Promise<void> {
    return this.arrivals.expectNone(event, ms);
  }

  /** Resolves once the stream ended; fails after `timeoutMs`. */
  waitEnd(timeoutMs = 3000): Promise<void> {
    return this.arrivals.until(() => this.ended, timeoutMs, 'stream not ended');
  }

  /** Stops reading: the socket's buffers fill and the server sees a slow reader. */
  pause(): void {
    this.response.socket.pause();
  }

  close(): void {
    this.req.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      this.line(line);
    }
    this.arrivals.wake();
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.pending.id = value;
    else if (field === 'event') this.pending.event = value;
    else if (field === 'data') this.pending.data.push(value);
  }

  private dispatch(): void {
    const { id, event, data } = this.pending;
    this.pending = { id: null, event: 'message', data: [] };
    if (data.length === 0) return;
    const parsed = { id, event, data: JSON.parse(data.join('\n')) };
    const errors = frameErrors({ event, data: parsed.data });
    // Reported by the next `next()`: a throw here would escape the socket's listener.
    if (errors.length > 0) this.misfits.push(`${event} event does not fit the AsyncAPI document: ${errors.join('; ')}`);
    this.arrivals.push(parsed);
  }
}
