import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type InboxCounts, type Notification, personalTopic, topicOwner } from '../../notification.model.js';
import { GroupCommitQueue, type StoreQueueOptions } from '../group-commit.queue.js';
import { formatNotificationId, newEpoch, type NotificationPosition, parseNotificationId } from '../notification-id.js';
import {
  type AppendItem,
  type AppendResult,
  type CommittedHook,
  type IdempotencyClaim,
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
import type { RetentionPolicy } from '../retention-policy.js';
import { SqliteAppendWriter } from './sqlite-append.writer.js';
import { SqliteRetentionPruner } from './sqlite-retention.pruner.js';
import { migrateSqlite } from './sqlite.migrations.js';
import { type NotificationRow, prepareSqliteStatements, type SqliteStatements, toInboxItem, toNotification } from './sqlite.statements.js';

interface OpenState {
  db: Database.Database;
  statements: SqliteStatements;
  epoch: string;
  writer: SqliteAppendWriter;
  pruner: SqliteRetentionPruner;
}

/**
 * The embedded store: one SQLite file (created with its folder at open), WAL mode,
 * `synchronous=FULL` so an append is durable, power loss included, once it resolves; group
 * commit pays that fsync once per batch rather than once per notification. The schema is
 * versioned by `PRAGMA user_version` and migrated at open. The epoch lives in the file: ids keep
 * increasing across restarts, and a deleted file starts a new epoch; idempotency keys survive
 * restarts too. The rules of every store are NotificationStore's. Here, one transaction per
 * event-loop turn commits a batch, and prune() works in chunks of at most 500 rows with a yield
 * to the event loop between them.
 */
export class SqliteNotificationStore implements NotificationStore {
  private state: OpenState | null = null;
  private closed = false;
  private openedEpoch: string | null = null;
  private pruning: Promise<void> | null = null;
  private readonly queue: GroupCommitQueue;

  constructor(
    private readonly path: string,
    private readonly retention: RetentionPolicy,
    options: StoreQueueOptions = {},
  ) {
    this.queue = new GroupCommitQueue((batch) => this.guard((state) => state.writer.commit(batch)), options);
  }

  /** Readable from open() on, also after close(). */
  get epoch(): string {
    if (this.openedEpoch === null) throw new StoreUnavailableError('store is not open');
    return this.openedEpoch;
  }

  async open(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      migrateSqlite(db);
      const statements = prepareSqliteStatements(db);
      statements.initMeta.run('epoch', newEpoch());
      statements.initMeta.run('last_seq', 0);
      const epoch = String(statements.readMeta.get('epoch'));
      const lastSeq = Number(statements.readMeta.get('last_seq'));
      const writer = new SqliteAppendWriter(db, statements, epoch, lastSeq);
      const pruner = new SqliteRetentionPruner(db, statements, this.retention);
      this.state = { db, statements, epoch, writer, pruner };
      this.openedEpoch = epoch;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  append(items: AppendItem[], idempotency?: IdempotencyClaim, onCommitted?: CommittedHook): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    return this.queue.append({ items, idempotency }, onCommitted);
  }

  async readSince(topic: string, since: string, limit: number): Promise<TopicHistory> {
    return this.guard(({ statements, epoch }) => {
      const position = this.ownPosition(since);
      if (!position) return { items: [], recovered: false };
      const prunedSeq = statements.prunedSeq.get(topic) ?? 0;
      const rows = statements.readSince.all(topic, position.seq, limit);
      return { items: rows.map((row) => toNotification(row, epoch)), recovered: prunedSeq <= position.seq };
    });
  }

  async readLatest(topic: string, limit: number): Promise<Notification[]> {
    return this.guard(({ statements, epoch }) => statements.readLatest.all(topic, limit).map((row) => toNotification(row, epoch)));
  }

  async newestIdsSince(topic: string, since: string, limit: number): Promise<string[]> {
    return this.guard(({ statements, epoch }) => {
      const position = this.ownPosition(since);
      if (!position) return [];
      return statements.newestSeqsSince.all(topic, position.seq, limit).map((seq) => formatNotificationId(epoch, seq));
    });
  }

  async newestIds(topics: string[]): Promise<Map<string, string>> {
    return this.guard(({ statements, epoch }) => {
      const newest = new Map<string, string>();
      for (const topic of topics) {
        const seq = statements.newestSeq.get(topic);
        if (typeof seq === 'number') newest.set(topic, formatNotificationId(epoch, seq));
      }
      return newest;
    });
  }

  async inbox(userId: string, query: InboxQuery): Promise<InboxPage> {
    return this.guard(({ statements, epoch }) => {
      let before = Number.MAX_SAFE_INTEGER;
      if (query.before !== undefined) {
        const position = this.ownPosition(query.before);
        if (!position) throw new InvalidCursorError(`invalid cursor "${query.before}"`);
        before = position.seq;
      }
      const topic = personalTopic(userId);
      const page = query.unreadOnly || query.unseenOnly ? statements.unreadPage : statements.inboxPage;
      const rows = page.all({
        topic,
        before,
        archived: Number(query.archived === true),
        unseen: Number(query.unseenOnly === true),
        types: query.types?.length ? JSON.stringify(query.types) : null,
        limit: query.limit + 1,
      });
      const items = rows.slice(0, query.limit).map((row) => toInboxItem(row, epoch));
      const { unread, unseen } = this.countsOf(statements, topic);
      return {
        items,
        unreadCount: unread,
        unseenCount: unseen,
        nextCursor: rows.length > items.length && items.length > 0 ? items[items.length - 1].id : null,
      };
    });
  }

  async mark(userId: string, selection: ReadSelection, change: InboxFlagChange): Promise<MarkResult> {
    return this.guard(({ db, statements }) => {
      const topic = personalTopic(userId);
      const flag = (value: boolean | undefined): number | null => (value === undefined ? null : Number(value));
      const flags = { topic, seen: flag(change.seen), read: flag(change.read), archived: flag(change.archived) };
      return db.transaction((): MarkResult => {
        if ('all' in selection) {
          const { updated, unread, unseen } = statements.tallyMarkAll.get(flags)!;
          if (updated > 0) statements.markAll.run(flags);
          return { updated, ...this.addCounts(statements, topic, unread, unseen) };
        }
        const seqs = selection.ids.map((id) => this.ownPosition(id)?.seq).filter((seq) => seq !== undefined);
        const params = { ...flags, seqs: JSON.stringify(seqs) };
        const { updated, unread, unseen } = statements.tallyMarkIds.get(params)!;
        if (updated > 0) statements.markIds.run(params);
        return { updated, ...this.addCounts(statements, topic, unread, unseen) };
      }).immediate();
    });
  }

  async counts(userId: string): Promise<InboxCounts> {
    return this.guard(({ statements }) => this.countsOf(statements, personalTopic(userId)));
  }

  async deleteFromInbox(userId: string, id: string): Promise<InboxDeletion> {
    return this.guard(({ db, statements }) => {
      const topic = personalTopic(userId);
      const position = this.ownPosition(id);
      return db.transaction((): InboxDeletion => {
        const row = position ? statements.deleteEntry.get(position.seq, topic) : undefined;
        if (!row) return { deleted: false, ...this.countsOf(statements, topic), countsChanged: false };
        const unread = Number(row.read === 0 && row.archived === 0);
        const unseen = Number(row.seen === 0 && row.archived === 0);
        const counts = statements.noteDeleted.get(unread, unseen, topic)!;
        return { deleted: true, ...counts, countsChanged: unread + unseen > 0 };
      }).immediate();
    });
  }

  /** Adds a change's deltas to the topic's counts; answers the counts after it. */
  private addCounts(statements: SqliteStatements, topic: string, unread: number, unseen: number): InboxCounts & { countsChanged: boolean } {
    if (unread === 0 && unseen === 0) return { ...this.countsOf(statements, topic), countsChanged: false };
    return { ...statements.addCounts.get(unread, unseen, topic)!, countsChanged: true };
  }

  private countsOf(statements: SqliteStatements, topic: string): InboxCounts {
    return statements.counts.get(topic) ?? { unread: 0, unseen: 0 };
  }

  /** Concurrent calls share the pass under way. */
  async prune(): Promise<void> {
    const { pruner } = this.opened();
    this.pruning ??= pruner.prune(() => this.closed).finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }

  async ping(): Promise<void> {
    this.guard(({ statements }) => statements.ping.get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drained();
    await this.pruning;
    this.state?.db.close();
    this.state = null;
  }

  /** Runs `work` on the open database; SQLite failures become StoreUnavailableError, named by their code, the driver's message (SQL, a path) its cause. */
  private guard<T>(work: (state: OpenState) => T): T {
    const state = this.opened();
    try {
      return work(state);
    } catch (error) {
      if (error instanceof Database.SqliteError) throw new StoreUnavailableError(`database unavailable (${error.code})`, { cause: error });
      throw error;
    }
  }

  private opened(): OpenState {
    if (!this.state) throw new StoreUnavailableError(this.closed ? 'store is closed' : 'store is not open');
    return this.state;
  }

  /** The position of an id this store issued in its current epoch, else null. */
  private ownPosition(id: string): NotificationPosition | null {
    const position = parseNotificationId(id);
    return position?.epoch === this.opened().epoch ? position : null;
  }

  /** In seq order, which is creation order in one process: the scan stops at the first row too new. */
  async unreadAfter(after: StorePosition, createdBefore: number, limit: number): Promise<UnreadScan> {
    return this.guard(({ db, epoch }) => {
      const rows = db
        .prepare<[number, number], NotificationRow>(
          // An archived entry was dismissed: it escalates no more than a read one.
          'SELECT seq, topic, type, CASE WHEN read = 0 AND archived = 0 THEN payload END AS payload, created_at, read | archived AS read FROM notifications WHERE seq > ? ORDER BY seq LIMIT ?',
        )
        .all(after.seq, limit);
      const tooNew = rows.findIndex((row) => row.created_at > createdBefore);
      const scanned = tooNew === -1 ? rows : rows.slice(0, tooNew);
      const last = scanned.at(-1);
      return {
        // `at` only moves forward: it stays the start of escalation while older rows are walked past.
        last: last ? { at: Math.max(after.at, last.created_at), seq: last.seq } : null,
        unread: scanned
          .filter((row) => row.read === 0 && row.created_at >= after.at)
          .map((row) => ({ userId: topicOwner(row.topic)!, notification: toNotification(row, epoch) })),
      };
    });
  }
}
