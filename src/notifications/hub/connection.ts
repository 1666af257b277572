import type { Socket } from 'node:net';
import type { ConnectionUser } from '../notifications.options.js';
import type { Frame } from './frame.js';
import { ReplayRun } from './replay-run.js';

/** How a connection reaches its client: a WebSocket, or a Server-Sent Events stream. */
export type ConnectionTransport = 'websocket' | 'sse';

/**
 * One open connection as the Hub sees it: its identity and topics, and the transport under it
 * (see WebSocketConnection, EventStreamConnection). The Hub writes each frame's bytes for the
 * transport straight to `output`. Idle connections are the bulk of a server's memory, so what
 * most never use is created on first use.
 */
export abstract class Connection {
  readonly topics = new Set<string>();
  /** Ends the connection (4001) when the identity expires. */
  expiryTimer?: NodeJS.Timeout;
  /**
   * Per topic, the replay under way, or the seq a finished one reached: live notifications up to it
   * may still arrive (a broker delivers after the store commits) and are not sent twice. Created by
   * the first replay; an entry goes with the first live notification past it.
   */
  private replays?: Map<string, ReplayRun | number>;
  /** Times (ms) of recent exceptions, for MAX_BAD_FRAMES. */
  private badFrameTimes?: number[];

  constructor(
    readonly connectionId: string,
    public user: ConnectionUser | null,
  ) {}

  abstract get transport(): ConnectionTransport;
  /** The TCP socket the Hub writes encoded frames to. */
  abstract get output(): Socket;
  /** True while frames may be written. */
  abstract get open(): boolean;
  /** This transport's bytes of `frame`. */
  abstract encoded(frame: Frame): Buffer;
  /** Ends the connection for a reason of the server's: the close code on a WebSocket; a stream just ends. */
  abstract close(code: number, reason: string): void;
  /** One HEARTBEAT_MS beat; false when the peer was found gone and dropped. */
  abstract beat(): boolean;

  get userId(): string | null {
    return this.user?.id ?? null;
  }

  /** Starts a replay of `topic`: its live notifications are held (at most `maxHeld`) until the replay ends. */
  startReplay(topic: string, maxHeld: number): ReplayRun {
    const run = new ReplayRun(maxHeld);
    (this.replays ??= new Map()).set(topic, run);
    return run;
  }

  /** The replay of `topic` under way, if any. */
  replayOf(topic: string): ReplayRun | undefined {
    const entry = this.replays?.get(topic);
    return typeof entry === 'object' ? entry : undefined;
  }

  /** True when a finished replay of `topic` carried the live notification `seq` already. */
  replayed(topic: string, seq: number): boolean {
    const reached = this.replays?.get(topic);
    if (typeof reached !== 'number') return false;
    if (seq <= reached) return true;
    this.forget(topic);
    return false;
  }

  /** Ends the replay `run` of `topic`, remembering how far it reached. */
  endReplay(topic: string, run: ReplayRun): void {
    if (this.replays?.get(topic) !== run) return;
    run.stop();
    if (run.reachedSeq > 0) this.replays.set(topic, run.reachedSeq);
    else this.forget(topic);
  }

  /** Stops the replay of `topic` (only when it is still `run`, if given), dropping what it held and how far it reached. */
  release(topic: string, run?: ReplayRun): void {
    const current = this.replays?.get(topic);
    if (current === undefined || (run !== undefined && run !== current)) return;
    if (typeof current === 'object') current.stop();
    this.forget(topic);
  }

  private forget(topic: string): void {
    this.replays!.delete(topic);
    if (this.replays!.size === 0) this.replays = undefined;
  }

  /** Records an exception; true when the connection passed `limit` within `windowMs`. */
  recordBadFrame(now: number, limit: number, windowMs: number): boolean {
    const recent = (this.badFrameTimes ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    this.badFrameTimes = recent;
    return recent.length > limit;
  }
}
