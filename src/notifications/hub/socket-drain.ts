import type { Socket } from 'node:net';

/** How a wait for a socket to drain ended. */
export type DrainOutcome = 'drained' | 'closed' | 'stalled';


/**
 * Waits until `raw` has handed everything it buffered to the kernel ('drain': emitted only after a
 * write filled its buffer, so call it only when `writableNeedDrain`); 'closed' when it closes first,
 * 'stalled' when it took nothing for `stallMs`. Leaves no listener or timer behind.
 */
export function waitForDrain(raw: Socket, stallMs: number): Promise<DrainOutcome> {
  if (raw.destroyed) return Promise.resolve('closed');
  return new Promise((resolve) => {
    const settle = (outcome: DrainOutcome) => () => {
      clearTimeout(timer);
      raw.off('drain', onDrain);
      raw.off('close', onClose);
      resolve(outcome);
    };
    const onDrain = settle('drained');
    const onClose = settle('closed');
    const timer = setTimeout(settle('stalled'), stallMs);
    raw.on('drain', onDrain);
    raw.on('close', onClose);
  });
}
