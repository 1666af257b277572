/** Resolves on the next turn of the event loop, once pending I/O callbacks have run. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
