import { type InboxCounts, type Notification, personalTopic, topicOwner } from '../../notification.model.js';
import { newInboxFlags } from '../inbox-flags.js';
import { type AppendOutcome, type AppendRequest, GroupCommitQueue, type StoreQueueOptions } from '../group-commit.queue.js';
import { isCounted, type MemoryEntry, MemoryTopicLog } from './memory-topic.log.js';
import { formatNotificationId, newEpoch, type NotificationPosition, parseNotificationId } from '../notification-id.js';
import {
  type AcceptedNotification,
  type AppendItem,
  type AppendResult,
  type CommittedHook,
  type IdempotencyClaim,
  IdempotencyConflictError,
  type InboxDeletion,
  type InboxFlagChange,
  type InboxPage,
  type InboxQuery,
  InvalidCursorError,
  type MarkResult,
  type NotificationStore,
  type ReadSelection,
  type StorePosition,
  type UnreadScan,
  StoreUnavailableError,
  type TopicHistory,
} from '../notification-store.js';
import { IDEMPOTENCY_KEY_TTL_MS, type RetentionPolicy } from '../retention-policy.js';

interface IdempotencyRecord {
  fingerprint: string;
  accepted: AcceptedNotification[];
  createdMs: number;
}

/**
 * The store kept in process memory: for development, tests and single-instance deployments
 * that accept losing history on restart. Each instance draws a new epoch, so a `since` from
 * before a restart answers `recovered: false`.
 */
export class MemoryNotificationStore implements NotificationStore {
  readonly epoch = newEpoch();
  private lastSeq = 0;
  private readonly topics = new Map<string, MemoryTopicLog>();
  private readonly idempotencyKeys = new Map<string, IdempotencyRecord>();
  private readonly queue: GroupCommitQueue;
  private closed = false;

  constructor(
    private readonly retention: RetentionPolicy,
    options: StoreQueueOptions = {},
  ) {
    // No transaction cost to share: a batch commits as soon as the appending code yields, not a loop turn later.
    this.queue = new GroupCommitQueue((batch) => batch.map((request) => this.commitOne(request)), { ...options, gather: () => Promise.resolve() });
  }

  async open(): Promise<void> {}

  append(items: AppendItem[], idempotency?: IdempotencyClaim, onCommitted?: CommittedHook): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    return this.queue.append({ items, idempotency }, onCommitted);
  }

  async readSince(topic: string, since: string, limit: number): Promise<TopicHistory> {
    this.assertOpen();
    const position = this.ownPosition(since);
    if (!position) return { items: [], recovered: false };
    const log = this.topics.get(topic);
    if (!log) return { items: [], recovered: true };
    return {
      items: log.after(position.seq, limit).map((entry) => entry.notification),
      recovered: log.prunedSeq <= position.seq,
    };
  }

  async readLatest(topic: string, limit: number): Promise<Notification[]> {
    this.assertOpen();
    return (this.topics.get(topic)?.latest(limit) ?? []).map((entry) => entry.notification);
  }

  async newestIdsSince(topic: string, since: string, limit: number): Promise<string[]> {
    this.assertOpen();
    const position = this.ownPosition(since);
    const log = this.topics.get(topic);
    if (!position || !log) return [];
    return log.newestAbove(position.seq, limit).map((entry) => entry.notification.id);
  }

  async newestIds(topics: string[]): Promise<Map<string, string>> {
    this.assertOpen();
    const newest = new Map<string, string>();
    for (const topic of topics) {
      const [entry] = this.topics.get(topic)?.latest(1) ?? [];
      if (entry) newest.set(topic, entry.notification.id);
    }
    return newest;
  }

  async inbox(userId: string, query: InboxQuery): Promise<InboxPage> {
    this.assertOpen();
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const position = this.ownPosition(query.before);
      if (!position) throw new InvalidCursorError(`invalid cursor "${query.before}"`);
      beforeSeq = position.seq;
    }
    const log = this.topics.get(personalTopic(userId));
    if (!log) return { items: [], unreadCount: 0, unseenCount: 0, nextCursor: null };
    const archived = query.archived === true;
    const types = query.types?.length ? new Set(query.types) : null;
    const found = log.below(beforeSeq, query.limit + 1, ({ inbox, notification }) =>
      inbox!.archived === archived &&
      !(query.unreadOnly && inbox!.read) &&
      !(query.unseenOnly && inbox!.seen) &&
      (types === null || types.has(notification.type)),
    );
    const page = found.slice(0, query.limit);
    return {
      items: page.map((entry) => Object.assign({}, entry.notification, entry.inbox)),
      unreadCount: log.counts.unread,
      unseenCount: log.counts.unseen,
      nextCursor: found.length > page.length && page.length > 0 ? page[page.length - 1].notification.id : null,
    };
  }

  async mark(userId: string, selection: ReadSelection, change: InboxFlagChange): Promise<MarkResult> {
    this.assertOpen();
    const log = this.topics.get(personalTopic(userId));
    if (!log) return { updated: 0, unread: 0, unseen: 0, countsChanged: false };
    const before: InboxCounts = { ...log.counts };
    const entries: readonly (MemoryEntry | undefined)[] =
      'all' in selection
        ? log.all()
        : selection.ids.map((id) => {
            const position = this.ownPosition(id);
            return position ? log.find(position.seq) : undefined;
          });
    let updated = 0;
    for (const entry of entries) if (entry && log.mark(entry, change)) updated += 1;
    return { updated, ...this.countsChange(before, log.counts) };
  }

  async counts(userId: string): Promise<InboxCounts> {
    this.assertOpen();
    const log = this.topics.get(personalTopic(userId));
    return log ? { ...log.counts } : { unread: 0, unseen: 0 };
  }

  async deleteFromInbox(userId: string, id: string): Promise<InboxDeletion> {
    this.assertOpen();
    const log = this.topics.get(personalTopic(userId));
    if (!log) return { deleted: false, unread: 0, unseen: 0, countsChanged: false };
    const before: InboxCounts = { ...log.counts };
    const position = this.ownPosition(id);
    const entry = position ? log.find(position.seq) : undefined;
    if (entry) log.delete(entry);
    return { deleted: entry !== undefined, ...this.countsChange(before, log.counts) };
  }

  async prune(): Promise<void> {
    this.assertOpen();
    const now = Date.now();
    const { historyLimit, historyTtlS } = this.retention;
    const rule = { keep: historyLimit, cutoffMs: historyTtlS > 0 ? now - historyTtlS * 1000 : -Infinity };
    for (const log of this.topics.values()) log.prune(rule);
    for (const [key, record] of this.idempotencyKeys) {
      if (record.createdMs < now - IDEMPOTENCY_KEY_TTL_MS) this.idempotencyKeys.delete(key);
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.drained();
  }

  /** Applies one append; throws before changing anything, which makes it all-or-nothing. */
  private commitOne({ items, idempotency }: AppendRequest): AppendOutcome {
    try {
      const seen = idempotency && this.idempotencyKeys.get(idempotency.key);
      if (idempotency && seen) {
        if (seen.fingerprint !== idempotency.fingerprint) throw new IdempotencyConflictError(idempotency.key);
        const accepted = seen.accepted.map((a) => ({ ...a }));
        return { result: { accepted, notifications: [], duplicate: true, inboxCounts: new Map() } };
      }
      const createdMs = Date.now();
      const createdAt = new Date(createdMs).toISOString();
      // Serializing up front both copies the payload and fails before anything is stored.
      const entries: MemoryEntry[] = items.map((item, index) => {
        const seq = this.lastSeq + 1 + index;
        const payload = JSON.parse(JSON.stringify(item.payload ?? {})) as Record<string, unknown>;
        const id = formatNotificationId(this.epoch, seq);
        const notification = { id, topic: item.topic, type: item.type, payload, createdAt };
        return { seq, createdMs, notification, inbox: topicOwner(item.topic) === null ? null : newInboxFlags() };
      });
      this.lastSeq += entries.length;
      const inboxCounts = new Map<string, InboxCounts>();
      for (const entry of entries) {
        const log = this.topicLog(entry.notification.topic);
        log.push(entry);
        const owner = topicOwner(entry.notification.topic);
        if (owner !== null) inboxCounts.set(owner, { ...log.counts });
      }
      const accepted = entries.map(({ notification: { id, topic } }) => ({ id, topic }));
      if (idempotency) this.idempotencyKeys.set(idempotency.key, { fingerprint: idempotency.fingerprint, accepted, createdMs });
      const notifications = entries.map((entry) => entry.notification);
      return { result: { accepted: accepted.map((a) => ({ ...a })), notifications, duplicate: false, inboxCounts } };
    } catch (error) {
      return { error };
    }
  }

  private countsChange(before: InboxCounts, after: InboxCounts): InboxCounts & { countsChanged: boolean } {
    const { unread, unseen } = after;
    return { unread, unseen, countsChanged: unread !== before.unread || unseen !== before.unseen };
  }

  private topicLog(topic: string): MemoryTopicLog {
    let log = this.topics.get(topic);
    if (!log) this.topics.set(topic, (log = new MemoryTopicLog()));
    return log;
  }

  /** The position of an id this store issued in its current epoch, else null. */
  private ownPosition(id: string): NotificationPosition | null {
    const position = parseNotificationId(id);
    return position?.epoch === this.epoch ? position : null;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('store is closed');
  }

  /** Walks the personal topics only: the memory store is for development and single small deployments. */
  async unreadAfter(after: StorePosition, createdBefore: number, limit: number): Promise<UnreadScan> {
    this.assertOpen();
    const found: MemoryEntry[] = [];
    for (const [topic, log] of this.topics) {
      if (topicOwner(topic) === null) continue;
      for (const entry of log.after(after.seq, limit)) if (entry.createdMs <= createdBefore) found.push(entry);
    }
    const page = found.sort((a, b) => a.seq - b.seq).slice(0, limit);
    const last = page.at(-1);
    return {
      // `at` only moves forward: it stays the start of escalation while older entries are walked past.
      last: last ? { at: Math.max(after.at, last.createdMs), seq: last.seq } : null,
      unread: page
        .filter((entry) => isCounted(entry) && entry.createdMs >= after.at)
        .map((entry) => ({ userId: topicOwner(entry.notification.topic)!, notification: entry.notification })),
    };
  }
}
