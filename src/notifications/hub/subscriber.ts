import type { WebSocket } from 'ws';
import type { Notification } from '../notification.model.js';
import type { ConnectionUser } from '../notifications.options.js';

/**
 * One open connection as the Hub sees it: its socket, identity and topics. Idle connections
 * are the bulk of a server's memory, so what most never use is created on first use.
 */
export class Subscriber {
  readonly topics = new Set<string>();
  /** Heartbeat pings sent since the last pong. */
  missedPongs = 0;
  /** Closes the socket with 4001 when the identity expires. */
  expiryTimer?: NodeJS.Timeout;
  /** Live notifications held back per topic while a `since` replay of it is being read. */
  private held?: Map<string, Notification[]>;
  /** Times (ms) of recent exceptions, for MAX_BAD_FRAMES. */
  private badFrameTimes?: number[];

  constructor(
    readonly socket: WebSocket,
    readonly connectionId: string,
    public user: ConnectionUser | null,
  ) {}

  get userId(): string | null {
    return this.user?.id ?? null;
  }

  /** Starts holding live notifications of `topic`; returns the list they collect in. */
  hold(topic: string): Notification[] {
    const held: Notification[] = [];
    (this.held ??= new Map()).set(topic, held);
    return held;
  }

  /** The list collecting `topic`'s live notifications, when a replay of it is under way. */
  heldFor(topic: string): Notification[] | undefined {
    return this.held?.get(topic);
  }

  release(topic: string): void {
    this.held?.delete(topic);
  }

  /** Records an exception; true when the connection passed `limit` within `windowMs`. */
  recordBadFrame(now: number, limit: number, windowMs: number): boolean {
    const recent = (this.badFrameTimes ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    this.badFrameTimes = recent;
    return recent.length > limit;
  }
}
