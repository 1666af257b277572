import type { Socket } from 'node:net';

/**
 * Holds what is written to `raw` until the callbacks and promise jobs under way have run, then
 * hands it to the kernel in one write (one TCP segment when it fits): a handshake's answer and the
 * first frames, or `subscribed` and its replay, cost one system call instead of one each. Bounded
 * like any write: past the high-water mark a paced writer waits for a drain, which comes after this.
 */
export function coalesceWrites(raw: Socket): void {
  raw.cork();
  setImmediate(() => raw.uncork());
}
