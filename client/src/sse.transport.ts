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
 * `connectionId`).
 *
 * The client needs `subscribed` ahead of the replay it announces, as on a WebSocket. A service
 * that writes `subscribed` (and `unsubscribed`) on the stream as well as answering it gives that
 * order: once the stream has carried one, the stream's copies are used and the answers' dropped.
 * Until then, stream events that arrive while a `subscribe` is being answered wait for its answer.
 */
export class SseTransport implements Transport {
  readonly kind = 'sse';
  private readonly stream: EventSourceLike;
  private streamId: string | null = null;
  private closedByUs = false;
  private subscribesInFlight = 0;
  private held: ServerFrame[] = [];
  private streamCarriesReplies = false;
  /** `subscribed:<topic>` and `unsubscribed:<topic>` delivered from answers: the stream's copy, if it comes, is dropped. */
  private readonly answered = new Map<string, number>();

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
    if (frame.event === 'subscribed' || frame.event === 'unsubscribed') this.streamCarriesReplies = true;
    if (this.holding() && frame.event !== 'welcome') return void this.held.push(frame);
    this.releaseHeld();
    this.deliver(frame, 'stream');
  }

  private holding(): boolean {
    return this.subscribesInFlight > 0 && !this.streamCarriesReplies;
  }

  /** Passes a frame on, unless it is the second copy of a `subscribed` or `unsubscribed`. */
  private deliver(frame: ServerFrame, source: 'stream' | 'answer'): void {
    if (frame.event === 'subscribed' || frame.event === 'unsubscribed') {
      const key = `${frame.event}:${frame.data.topic}`;
      const delivered = this.answered.get(key) ?? 0;
      if (source === 'answer') {
        if (this.streamCarriesReplies) return;
        this.answered.set(key, delivered + 1);
      } else if (delivered > 0) {
        if (delivered === 1) this.answered.delete(key);
        else this.answered.set(key, delivered - 1);
        return;
      }
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
    if (command.event === 'subscribe') this.subscribesInFlight -= 1;
    if (reply) this.deliver(reply, 'answer');
    else this.events.commandFailed(command, failure!);
    this.releaseHeld();
  }

  /** Stream events held while a `subscribe` was answered follow its answer, once no other is pending. */
  private releaseHeld(): void {
    if (this.holding() || this.closedByUs || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const frame of held) {
      if (this.closedByUs) return;
      this.deliver(frame, 'stream');
    }
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
