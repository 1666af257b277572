import { STREAM_CLOSED, type EventSourceLike, type StreamMessage } from './event-source-like.js';

const CONNECTING = 0;
const OPEN = 1;

/**
 * A small `EventSource` over `fetch` for runtimes that have no global one (Node 20): it reads a
 * `text/event-stream` response and dispatches its events as the browser's class does. Unlike it,
 * it never reconnects by itself: any failure or end of the stream is one `error` and the stream is
 * closed, which is what the client wants (it reconnects and recovers on its own terms).
 */
export class FetchEventSource implements EventSourceLike {
  private state = CONNECTING;
  private readonly abort = new AbortController();
  private readonly listeners = new Map<string, Set<(event: StreamMessage) => void>>();
  private lastEventId = '';

  constructor(readonly url: string) {
    this.read().catch((error: unknown) => this.fail(error));
  }

  get readyState(): number {
    return this.state;
  }

  addEventListener(type: string, listener: (event: StreamMessage) => void): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  close(): void {
    this.state = STREAM_CLOSED;
    this.abort.abort();
  }

  private async read(): Promise<void> {
    const response = await fetch(this.url, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal, cache: 'no-store' });
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
      await response.body?.cancel();
      throw new Error(`GET ${new URL(this.url).pathname} answered ${response.status} ${type}`);
    }
    if (this.state === STREAM_CLOSED) return;
    this.state = OPEN;
    this.dispatch('open', {});
    const decoder = new TextDecoder();
    const parser = new EventStreamParser((type, message) => {
      this.lastEventId = message.lastEventId;
      this.dispatch(type, message);
    });
    // A reader rather than async iteration, which not every runtime's ReadableStream has.
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (this.state === STREAM_CLOSED) return;
      if (done) throw new Error('stream ended');
      parser.push(decoder.decode(value, { stream: true }));
    }
  }

  private fail(error: unknown): void {
    if (this.state === STREAM_CLOSED) return;
    this.state = STREAM_CLOSED;
    this.dispatch('error', { data: error instanceof Error ? error.message : String(error), lastEventId: this.lastEventId });
  }

  private dispatch(type: string, event: StreamMessage): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener(event);
  }
}

/** The `text/event-stream` format (HTML Living Standard, 9.2.6), fed in pieces of any size. */
export class EventStreamParser {
  private buffer = '';
  private type = '';
  private data: string[] = [];
  private id = '';
  private afterCarriageReturn = false;

  constructor(private readonly onEvent: (type: string, message: { data: string; lastEventId: string }) => void) {}

  push(text: string): void {
    if (text === '') return;
    // A chunk that ended in '\r' ended its line already: a '\n' opening the next one ends no other.
    const rest = this.afterCarriageReturn && text.startsWith('\n') ? text.slice(1) : text;
    this.afterCarriageReturn = rest.endsWith('\r');
    const lines = (this.buffer + rest).split(/\r\n|\r|\n/);
    this.buffer = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }

  private dispatch(): void {
    const type = this.type || 'message';
    const data = this.data.join('\n');
    const hadData = this.data.length > 0;
    this.type = '';
    this.data = [];
    if (hadData) this.onEvent(type, { data, lastEventId: this.id });
  }
}
