import { STREAM_CLOSED, type EventSourceConstructor, type EventSourceLike, type StreamMessage } from './event-source-like.js';
import { parseFrameData, parseServerFrame, type ClientCommand, type ServerFrame, type ServerFrameMap } from './protocol-frames.js';
import { withIdentity, type Transport, type TransportEvents, type TransportIdentity } from './transport.js';

/** Where a stream's client reads and writes: `GET /sse` and `POST /commands` of the service. */
export interface SseEndpoints {
  streamUrl: string;
  commandsUrl: string;
}

/** The events a stream may carry; any other is ignored. */
const STREAM_EVENTS = ['welcome', 'notification', 'counts', 'unread', 'subscribed', 'unsubscribed', 'exception'] as const satisfies readonly (
  keyof ServerFrameMap
)[];

/** The code a transport reports when it broke without a close code of its own, as browsers do for WebSockets. */
const ABNORMAL_CLOSURE = 1006;

/**
 * The client's connection over Server-Sent Events (contract section 11): frames come on the
 * `GET /sse` stream, commands go as `POST /commands` with the same identity, each answered
 * with its reply frame. `subscribe` and `unsubscribe` carry the stream's id (its `welcome`'s
 * `connectionId`). A service may write `subscribed` (or `unsubscribed`) on the stream ahead of
 * the replay as well as answer it: the first of the two copies goes to the client, the other is
 * dropped. Stream events that arrive while a `subscribe` is being answered wait for its reply, so
 * that the client sees `subscribed` before the replay it announces, as on a WebSocket, whichever
 * copy comes first.
 */
export class SseTransport implements Transport {
  readonly kind = 'sse';
  private readonly stream: EventSourceLike;
  private streamId: string | null = null;
  private closedByUs = false;
  private subscribesInFlight = 0;
  private held: ServerFrame[] = [];
  /** Per `subscribed:<topic>` and `unsubscribed:<topic>`: copies seen on the stream and as replies. */
  private readonly copies = new Map<string, { stream: number; reply: number }>();

  constructor(
    EventSourceImpl: EventSourceConstructor,
    private readonly endpoints: SseEndpoints,
    private readonly identity: TransportIdentity,
    private readonly events: TransportEvents,
  ) {
    this.stream = new EventSourceImpl(withIdentity(endpoints.streamUrl, identity));
    for (const event of STREAM_EVENTS) this.stream.addEventListener(event, (message) => this.onMessage(event, message));
    // An EventSource would reconnect by itself with Last-Event-ID; the client reconnects instead, recovering every topic with `since`.
    this.stream.addEventListener('error', () => {
      if (this.closedByUs) return;
      this.close(ABNORMAL_CLOSURE, 'stream failed');
      this.events.closed(ABNORMAL_CLOSURE, 'stream failed');
    });
  }

  get isOpen(): boolean {
    return !this.closedByUs && this.streamId !== null && this.stream.readyState !== STREAM_CLOSED;
  }

  send(command: ClientCommand): void {
    const data =
      command.event === 'subscribe' || command.event === 'unsubscribe' ? { ...command.data, streamId: this.streamId } : command.data;
    if (command.event === 'subscribe') this.subscribesInFlight += 1;
    this.post(command, { event: command.event, data }).catch((error: unknown) => this.events.error(asError(error)));
  }

  close(_code: number, _reason: string): void {
    this.closedByUs = true;
    this.held = [];
    this.stream.close();
  }

  private onMessage(event: (typeof STREAM_EVENTS)[number], message: StreamMessage): void {
    if (this.closedByUs) return;
    const frame = parseFrameData(event, message.data);
    if (!frame) return this.events.error(new Error(`unreadable "${event}" event from server`));
    if (frame.event === 'welcome') this.streamId = frame.data.connectionId;
    if (this.subscribesInFlight > 0 && frame.event !== 'welcome') this.held.push(frame);
    else this.deliver(frame, 'stream');
  }

  /** Passes a frame on, unless it is the second copy of a `subscribed` or `unsubscribed`. */
  private deliver(frame: ServerFrame, source: 'stream' | 'reply'): void {
    if (frame.event === 'subscribed' || frame.event === 'unsubscribed') {
      const key = `${frame.event}:${frame.data.topic}`;
      const seen = this.copies.get(key) ?? { stream: 0, reply: 0 };
      seen[source] += 1;
      const other = source === 'stream' ? seen.reply : seen.stream;
      if (seen.stream === seen.reply) this.copies.delete(key);
      else this.copies.set(key, seen);
      if (seen[source] <= other) return;
    }
    this.events.frame(frame);
  }

  private async post(command: ClientCommand, body: { event: string; data: unknown }): Promise<void> {
    let reply: ServerFrame | null = null;
    let failure: Error | null = null;
    try {
      const url = withIdentity(this.endpoints.commandsUrl, { user: this.identity.token === undefined ? this.identity.user : undefined });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.identity.token !== undefined) headers.authorization = `Bearer ${this.identity.token}`;
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
      reply = parseServerFrame(await response.text());
      if (!reply) failure = new Error(`POST ${new URL(url).pathname} answered ${response.status} without a frame`);
    } catch (error) {
      failure = asError(error);
    }
    if (this.closedByUs) return;
    if (reply?.event === 'exception') reply.data.cause ??= { pattern: command.event, data: command.data };
    if (reply) this.deliver(reply, 'reply');
    else this.events.commandFailed(command, failure!);
    if (command.event === 'subscribe') this.releaseHeld();
  }

  /** A `subscribe` was answered: stream events held meanwhile follow its reply, once no other is pending. */
  private releaseHeld(): void {
    this.subscribesInFlight -= 1;
    if (this.subscribesInFlight > 0 || this.closedByUs) return;
    const held = this.held;
    this.held = [];
    for (const frame of held) {
      if (this.closedByUs) return;
      this.deliver(frame, 'stream');
    }
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
