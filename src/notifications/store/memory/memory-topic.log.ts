import type { Notification } from '../../notification.model.js';

/** A notification kept in memory; `read` is null outside personal topics. */
export interface MemoryEntry {
  seq: number;
  createdMs: number;
  notification: Notification;
  read: boolean | null;
}

/** Which entries of a topic retention drops: beyond the newest `keep`, or created before `cutoffMs`. */
export interface TopicPruneRule {
  keep: number;
  cutoffMs: number;
}

/** One topic's history in memory, in seq order, with what retention has taken from it. */
export class MemoryTopicLog {
  private entries: MemoryEntry[] = [];
  /** Highest seq pruned from this topic: a `since` below it has lost notifications. */
  prunedSeq = 0;
  unread = 0;

  push(entry: MemoryEntry): void {
    this.entries.push(entry);
    if (entry.read === false) this.unread += 1;
  }

  /** Entries with seq above `seq`, oldest first, at most `limit`. */
  after(seq: number, limit: number): MemoryEntry[] {
    const start = this.firstAbove(seq);
    return this.entries.slice(start, start + limit);
  }

  /** The newest `limit` entries with seq above `seq`, newest first. */
  newestAbove(seq: number, limit: number): MemoryEntry[] {
    return this.entries.slice(Math.max(this.firstAbove(seq), this.entries.length - limit)).reverse();
  }

  /** The newest `limit` entries, oldest first. */
  latest(limit: number): MemoryEntry[] {
    return limit > 0 ? this.entries.slice(-limit) : [];
  }

  /** Entries with seq below `seq` that pass `filter`, newest first, at most `limit`. */
  below(seq: number, limit: number, filter: (entry: MemoryEntry) => boolean): MemoryEntry[] {
    const found: MemoryEntry[] = [];
    for (let i = this.firstAbove(seq - 1) - 1; i >= 0 && found.length < limit; i -= 1) {
      if (filter(this.entries[i])) found.push(this.entries[i]);
    }
    return found;
  }

  find(seq: number): MemoryEntry | undefined {
    const entry = this.entries[this.firstAbove(seq - 1)];
    return entry?.seq === seq ? entry : undefined;
  }

  /** Marks an unread entry read; false when it was not unread. */
  markRead(entry: MemoryEntry): boolean {
    if (entry.read !== false) return false;
    entry.read = true;
    this.unread -= 1;
    return true;
  }

  /** Drops what the rule expires, except unread inbox entries, which stay until read. */
  prune(rule: TopicPruneRule): void {
    const firstKept = this.entries.length - rule.keep;
    this.entries = this.entries.filter((entry, index) => {
      const expired = index < firstKept || entry.createdMs < rule.cutoffMs;
      if (!expired || entry.read === false) return true;
      this.prunedSeq = Math.max(this.prunedSeq, entry.seq);
      return false;
    });
  }

  /** Index of the first entry whose seq is above `seq` (binary search: entries are in seq order). */
  private firstAbove(seq: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid].seq <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
