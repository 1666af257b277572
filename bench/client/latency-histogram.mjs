// Log-spaced buckets 1 % wide: fixed memory for any number of samples, merged by addition.
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600e6) / LOG_GROWTH) + 2; // 1 µs .. 10 min

/** A latency histogram in microseconds with 1 % resolution, cheap to record and to merge across processes. */
export class LatencyHistogram {
  constructor(counts = new Array(BUCKETS).fill(0)) {
    this.counts = counts;
    this.total = counts.reduce((sum, n) => sum + n, 0);
  }

  /** Records one latency in microseconds; values under 1 µs (clock skew) count as 1 µs. */
  record(micros) {
    const index = micros <= 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(micros) / LOG_GROWTH) + 1);
    this.counts[index]++;
    this.total++;
  }

  /** Adds another histogram's counts to this one. */
  merge(other) {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    return this;
  }

  /** The value at quantile q (0..1) in microseconds, or null without samples. */
  quantile(q) {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i === 0 ? 1 : GROWTH ** (i - 0.5);
    }
    return null;
  }

  /** A plain object for IPC or JSON. */
  toJSON() {
    return { counts: this.counts };
  }

  /** Rebuilds a histogram from `toJSON()` output. */
  static from(json) {
    return new LatencyHistogram(json.counts.slice());
  }
}
