import type { ServerEvent, ServerFrames } from '../protocol/frames.js';
import { textFrame } from './text-frame.js';

/**
 * A server frame `{event, data}`, its data serialized once, and encoded for each transport the
 * first time a connection of that transport needs it: a complete WebSocket text frame, or an
 * event-stream event (`id:` for notifications, `event:`, one `data:` line). Each encoding is then
 * written as is to every connection of its transport. Only the protocol's frames, with their data,
 * compile.
 */
export class Frame {
  private webSocketBytes?: Buffer;
  private eventStreamBytes?: Buffer;

  private constructor(
    private readonly event: ServerEvent | null,
    private readonly json: string,
    private readonly id: string | null,
    /** For a sequence: the frames it writes in one go, each encoded once. */
    private readonly parts: readonly Frame[] = [],
  ) {}

  static of<E extends ServerEvent>(event: E, data: ServerFrames[E]): Frame {
    const id = event === 'notification' ? (data as ServerFrames['notification']).id : null;
    return new Frame(event, JSON.stringify(data), id);
  }

  /** This frame then `next`, written in one go (one TCP segment). */
  followedBy(next: Frame): Frame {
    return new Frame(null, '', null, [this, next]);
  }

  /** The WebSocket text frame(s). */
  webSocket(): Buffer {
    // JSON.stringify({event, data}) spelled out: protocol event names need no escaping.
    return (this.webSocketBytes ??=
      this.event === null
        ? Buffer.concat(this.parts.map((part) => part.webSocket()))
        : textFrame(`{"event":"${this.event}","data":${this.json}}`));
  }

  /** The event-stream event(s); JSON holds no raw line break, so `data` is one line. */
  eventStream(): Buffer {
    return (this.eventStreamBytes ??=
      this.event === null
        ? Buffer.concat(this.parts.map((part) => part.eventStream()))
        : Buffer.from(`${this.id === null ? '' : `id: ${this.id}\n`}event: ${this.event}\ndata: ${this.json}\n\n`));
  }
}
