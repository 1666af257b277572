import { LatencyHistogram } from './latency-histogram.mjs';

/**
 * What one subscriber has seen of its sequence: a bitmap of received `seq`s and the highest
 * order key, so that a repeat is a duplicate and an arrival below the highest is out of order.
 */
export class SequenceTrack {
  constructor() {
    this.seen = new Uint8Array(64);
    this.highest = -1;
  }

  /**
   * Marks `seq`; answers 'duplicate', 'disorder' or 'new'. `order` is what must increase (by
   * default `seq`): with several instances publishing, the notification id's own sequence, as
   * two instances may take the publisher's requests in either order.
   */
  mark(seq, order = seq) {
    if (seq >= this.seen.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    if (this.seen[seq] === 1) return 'duplicate';
    this.seen[seq] = 1;
    if (order < this.highest) return 'disorder';
    this.highest = order;
    return 'new';
  }
}

/**
 * Deliveries counted by one client process: unique deliveries per phase, duplicates,
 * disorder, latency of measured deliveries, and the other frames that arrived.
 */
export class DeliveryTally {
  constructor() {
    this.measured = 0;
    this.warmup = 0;
    this.duplicates = 0;
    this.disorder = 0;
    this.unreadFrames = 0;
    this.exceptions = 0;
    this.firstException = null;
    this.dropped = 0;
    this.dropCodes = {};
    this.latency = new LatencyHistogram();
  }

  /** Counts one notification carrying `seq` (in id order `order`), sent in the measured phase or not, `latencyMicros` after its scheduled time. */
  notification(track, seq, measured, latencyMicros, order = seq) {
    const verdict = track.mark(seq, order);
    if (verdict === 'duplicate') {
      this.duplicates++;
      return;
    }
    if (verdict === 'disorder') this.disorder++;
    if (measured) {
      this.measured++;
      this.latency.record(latencyMicros);
    } else {
      this.warmup++;
    }
  }

  exception(data) {
    this.exceptions++;
    this.firstException ??= data;
  }

  /** A connection the server closed while the benchmark still needed it. */
  drop(code) {
    this.dropped++;
    this.dropCodes[code] = (this.dropCodes[code] ?? 0) + 1;
  }

  toJSON() {
    return { ...this, latency: this.latency.toJSON() };
  }

  /** Sums tallies reported by several client processes. */
  static merge(reports) {
    const total = new DeliveryTally();
    for (const report of reports) {
      for (const key of ['measured', 'warmup', 'duplicates', 'disorder', 'unreadFrames', 'exceptions', 'dropped']) {
        total[key] += report[key];
      }
      total.firstException ??= report.firstException;
      for (const [code, n] of Object.entries(report.dropCodes)) total.dropCodes[code] = (total.dropCodes[code] ?? 0) + n;
      total.latency.merge(LatencyHistogram.from(report.latency));
    }
    return total;
  }
}
