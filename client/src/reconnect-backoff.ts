/** Settings of {@link ReconnectBackoff}. */
export interface ReconnectBackoffOptions {
  /** Ceiling of the first delay. Default 500 ms. */
  baseDelayMs?: number;
  /** Largest ceiling, reached after a few failures. Default 30 s. */
  maxDelayMs?: number;
  /** Source of randomness in [0, 1); replaceable so that delays can be checked. */
  random?: () => number;
  /** Clock in ms; replaceable so that delays can be checked. */
  now?: () => number;
}

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
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private failures = 0;
  /** When the first delay since the last reset was handed out: the outage began then. */
  private lostAt: number | undefined;

  constructor(options: ReconnectBackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    if (!(this.baseDelayMs > 0) || !(this.maxDelayMs >= this.baseDelayMs)) {
      throw new RangeError('backoff needs 0 < baseDelayMs <= maxDelayMs');
    }
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The current ceiling: the bound of the next delay. */
  get ceilingMs(): number {
    const doubled = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(this.failures, MAX_EXPONENT));
    const outageMs = this.lostAt === undefined ? 0 : this.now() - this.lostAt;
    return Math.min(doubled, Math.max(this.baseDelayMs, outageMs));
  }

  /** The delay before the next attempt; each call doubles the ceiling for the one after, up to the outage so far. */
  next(): number {
    this.lostAt ??= this.now();
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.failures += 1;
    return delay;
  }

  /** Starts over after a connection that worked. */
  reset(): void {
    this.failures = 0;
    this.lostAt = undefined;
  }
}
