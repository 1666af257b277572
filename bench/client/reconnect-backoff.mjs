// The reconnect policy of client/src/reconnect-backoff.ts, mirrored line for line for the bench
// clients (plain .mjs, no build step); bench/test/reconnect-backoff.test.mjs holds the two to
// the same delays.

/** Past this many doublings the ceiling is pinned at its maximum anyway. */
const MAX_EXPONENT = 30;

/**
 * Exponential backoff with full jitter: the n-th delay is uniform in [0, min(max, base * 2^n)),
 * so that many clients cut off together do not come back together. The ceiling never passes
 * the time since the first delay (nor falls below base): failures that come back at once (a
 * refused connection while a server restarts) do not send the client away for longer than the
 * outage has lasted, so once the server is back every client is back within about that long.
 */
export class ReconnectBackoff {
  constructor(options = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.failures = 0;
    this.lostAt = undefined;
    if (!(this.baseDelayMs > 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new RangeError('backoff needs 0 < baseDelayMs <= maxDelayMs');
    }
  }

  get attempts() {
    return this.failures;
  }

  get ceilingMs() {
    const doubled = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(this.failures, MAX_EXPONENT));
    const outageMs = this.lostAt === undefined ? 0 : this.now() - this.lostAt;
    return Math.min(doubled, Math.max(this.baseDelayMs, outageMs));
  }

  /** The delay before the next attempt; each call doubles the ceiling for the one after, up to the outage so far. */
  next() {
    this.lostAt ??= this.now();
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.failures += 1;
    return delay;
  }

  /** Starts over after a connection that worked (the client library resets on `welcome`). */
  reset() {
    this.failures = 0;
    this.lostAt = undefined;
  }
}
