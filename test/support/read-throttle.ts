import type { WebSocket } from 'ws';
import { rawSocketOf } from '../../src/notifications/hub/ws-internals.js';

/** A `ws` client's TCP socket made to read slowly; `bytesRead` counts what it took in so far. */
export interface ReadThrottle {
  readonly bytesRead: number;
  /** Reads at full speed again. */
  stop(): void;
}

/**
 * Makes a `ws` client read about `bytesPerSecond` from its TCP socket, as on a slow link: the
 * socket is paused whenever more arrived than that pace allows, and resumed once the pace caught
 * up, so the server meets real TCP back-pressure. 0 reads nothing until stopped.
 */
export function throttleReading(socket: WebSocket, bytesPerSecond: number): ReadThrottle {
  const raw = rawSocketOf(socket);
  const started = performance.now();
  let bytesRead = 0;
  const allowed = (): number => ((performance.now() - started) * bytesPerSecond) / 1000;
  const onData = (chunk: Buffer): void => {
    bytesRead += chunk.length;
    if (bytesRead >= allowed()) raw.pause();
  };
  const pacer = setInterval(() => {
    if (bytesRead < allowed()) raw.resume();
  }, 10);
  // A test that fails before stop() must not keep the process alive.
  pacer.unref();
  raw.on('data', onData);
  raw.pause();
  return {
    get bytesRead() {
      return bytesRead;
    },
    stop() {
      clearInterval(pacer);
      raw.off('data', onData);
      raw.resume();
    },
  };
}
