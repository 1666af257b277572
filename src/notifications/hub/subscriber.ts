import type { WebSocket } from 'ws';
import type { Notification } from '../notification.model.js';
import type { ConnectionUser } from '../notifications.options.js';

/** One open connection as the Hub sees it: its socket, identity and topics. */
export class Subscriber {
  readonly topics = new Set<string>();
  /** Live notifications held back per topic while a `since` replay of it is being read. */
  readonly held = new Map<string, Notification[]>();
  /** Heartbeat pings sent since the last pong. */
  missedPongs = 0;
  /** Closes the socket with 4001 when the identity expires. */
  expiryTimer?: NodeJS.Timeout;
  /** Times (ms) of recent exceptions, for MAX_BAD_FRAMES. */
  private badFrameTimes: number[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly connectionId: string,
    public user: ConnectionUser | null,
  ) {}

  get userId(): string | null {
    return this.user?.id ?? null;
  }

  /** Records an exception; true when the connection passed `limit` within `windowMs`. */
  recordBadFrame(now: number, limit: number, windowMs: number): boolean {
    this.badFrameTimes = this.badFrameTimes.filter((t) => now - t < windowMs);
    this.badFrameTimes.push(now);
    return this.badFrameTimes.length > limit;
  }
}
