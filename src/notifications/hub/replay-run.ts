import { parseNotificationId, seqOf } from '../store/notification-id.js';
import type { Frame } from './frame.js';
import type { ReplayWindow } from './replay-window.js';

/** A live notification held during a replay: its id, and the frame already built for its fan-out. */
export interface HeldFrame {
  id: string;
  frame: Frame;
}

/** True when both ids are of one store epoch and `a` is older: ids of different epochs do not compare. */
function precedes(a: string, b: string): boolean {
  const [left, right] = [parseNotificationId(a), parseNotificationId(b)];
  return left !== null && right !== null && left.epoch === right.epoch && left.seq < right.seq;
}

/**
 * One connection's replays of one topic, from its first `subscribe {since}` until the last one
 * queued behind it is written: the subscribes run one at a time, live notifications of the topic
 * are held meanwhile, and where the connection's stream of the topic stands is known, so that no
 * id goes out twice or out of order. Created per replay: idle connections carry none.
 */
export class ReplayRun {
  /** The newest id the connection's stream of the topic has passed (replayed, or a `since` it was caught up from). */
  private position: string | null = null;
  /** `position`'s seq, kept beside it: every held notification is compared with it. */
  private positionSeq = 0;
  /** The connection has every notification after this id up to `position`; null after a gap the store could not fill. */
  private completeAfter: string | null = null;
  private held: HeldFrame[] = [];
  /** Subscribes of the topic queued and not yet started. */
  private waiting = 0;
  private turns: Promise<void> = Promise.resolve();
  /** A flag, not an AbortController: building one per replay cost a reconnect storm 4% of its CPU. */
  private halted = false;

  /** `maxHeld`: live notifications held before the connection counts as too far behind. */
  constructor(private readonly maxHeld: number) {}

  /** True once the run stopped (unsubscribe, close, too far behind): nothing more is written for it. */
  get stopped(): boolean {
    return this.halted;
  }

  /** True when no subscribe of the topic waits for its turn. */
  get idle(): boolean {
    return this.waiting === 0;
  }

  /** Runs `turn` after the subscribes queued before it; not at all once the run stopped. */
  next(turn: () => Promise<void>): Promise<void> {
    this.waiting++;
    const result = this.turns.then(() => {
      this.waiting--;
      return this.halted ? undefined : turn();
    });
    // A failed subscribe is answered to its caller; the ones behind it still run.
    this.turns = result.catch(() => undefined);
    return result;
  }

  /** Holds a live notification as the frame the Hub built for it; false when that would pass `maxHeld`. */
  hold(id: string, frame: Frame): boolean {
    if (this.held.length >= this.maxHeld) return false;
    this.held.push({ id, frame });
    return true;
  }

  /** The held notifications, oldest first, handed over and forgotten. */
  takeHeld(): HeldFrame[] {
    const held = this.held;
    this.held = [];
    return held;
  }

  stop(): void {
    this.halted = true;
    this.held = [];
  }

  /** Where a replay asked for after `since` starts: after what the connection was sent already, when that is newer. */
  startFor(since: string): string {
    return this.position !== null && precedes(since, this.position) ? this.position : since;
  }

  /**
   * Takes in the window a subscribe replays (read from `start`) and answers its `recovered`: the
   * window is complete and, when it started after something this run sent before, that reached
   * back to `since` without a gap.
   */
  begin(since: string, start: string, window: ReplayWindow): boolean {
    const recovered = window.retained && !window.cut && (start === since || (this.completeAfter !== null && !precedes(since, this.completeAfter)));
    const continues = start === this.position;
    if (!window.retained) this.completeAfter = null;
    else if (window.cut || !continues) this.completeAfter = window.after;
    // An unknown `since` may be of another epoch: it must not become the position held ones are compared with.
    if (window.retained || window.cut) this.moveTo(window.after);
    return recovered;
  }

  /** The seq of the newest id the connection's stream of the topic has passed; 0 for none. */
  get reachedSeq(): number {
    return this.positionSeq;
  }

  /** True when `id` is newer than anything the connection's stream of the topic has passed. */
  isNew(id: string): boolean {
    return seqOf(id) > this.positionSeq;
  }

  /** Records that `id` was written. */
  advance(id: string): void {
    this.moveTo(id);
  }

  private moveTo(id: string): void {
    this.position = id;
    this.positionSeq = seqOf(id);
  }
}
