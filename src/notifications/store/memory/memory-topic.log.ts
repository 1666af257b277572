import type { InboxCounts, InboxFlags, Notification } from '../../notification.model.js';
import { countedIn, flagsAfter } from '../inbox-flags.js';
import type { InboxFlagChange } from '../notification-store.js';

/** A notification kept in memory; `inbox` (its state for its user) is null outside personal topics. */
export interface MemoryEntry {
  seq: number;
  createdMs: number;
  notification: Notification;
  inbox: InboxFlags | null;
}

/** An entry that counts is never pruned: unread and not archived (see NotificationStore). */
export const isCounted = (entry: MemoryEntry): boolean => entry.inbox !== null && countedIn(entry.inbox).unread === 1;

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
  /** The inbox counts, for a personal topic. */
  readonly counts: InboxCounts = { unread: 0, unseen: 0 };

  push(entry: MemoryEntry): void {
    this.entries.push(entry);
    if (entry.inbox) this.count(entry.inbox, 1);
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

  /** Every entry, oldest first. */
  all(): readonly MemoryEntry[] {
    return this.entries;
  }

  /** Applies `change` to an inbox entry; false when its flags stayed as they were. */
  mark(entry: MemoryEntry, change: InboxFlagChange): boolean {
    const before = entry.inbox!;
    const after = flagsAfter(before, change);
    if (after.seen === before.seen && after.read === before.read && after.archived === before.archived) return false;
    this.count(before, -1);
    this.count(after, 1);
    entry.inbox = after;
    return true;
  }

  /** Removes an entry, as if it had never been there (no pruned mark). */
  delete(entry: MemoryEntry): void {
    this.entries.splice(this.firstAbove(entry.seq - 1), 1);
    if (entry.inbox) this.count(entry.inbox, -1);
  }

  /** Drops what the rule expires, except inbox entries that count, which stay until read or archived. */
  prune(rule: TopicPruneRule): void {
    const firstKept = this.entries.length - rule.keep;
    this.entries = this.entries.filter((entry, index) => {
      const expired = index < firstKept || entry.createdMs < rule.cutoffMs;
      if (!expired || isCounted(entry)) return true;
      this.prunedSeq = Math.max(this.prunedSeq, entry.seq);
      return false;
    });
  }

  private count(flags: InboxFlags, sign: 1 | -1): void {
    const { unread, unseen } = countedIn(flags);
    this.counts.unread += sign * unread;
    this.counts.unseen += sign * unseen;
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
