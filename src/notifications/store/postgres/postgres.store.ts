import { Logger } from '@nestjs/common';
import pg from 'pg';
import { type InboxCounts, type InboxItem, type Notification, personalTopic, topicOwner } from '../../notification.model.js';
import { type AppendOutcome, type AppendRequest, GroupCommitQueue, type StoreQueueOptions } from '../group-commit.queue.js';
import { formatNotificationId, type NotificationPosition, parseNotificationId } from '../notification-id.js';
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
import { AppendLocks, advisoryLockKey } from './postgres-append.locks.js';
import { type PreparedAppend, prepareAppend, writeAppends } from './postgres-append.writer.js';
import { asStoreError, isConnectionFailure } from './postgres-connection.errors.js';
import { HeldBatch } from './postgres-held.batch.js';
import { postgresPoolConfig } from './postgres-pool.config.js';
import { migrate } from './postgres.migrations.js';
import { DEFAULT_SETTINGS } from '../../notifications.options.js';
import { IDEMPOTENCY_KEY_TTL_MS, type RetentionPolicy } from '../retention-policy.js';

export interface PostgresStoreOptions extends StoreQueueOptions {
  /** Schema holding the store's tables, created when missing; default: the role's search_path. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /**
   * Deadline of a connection attempt, a statement, a lock wait, and of a batch's hooks holding
   * its topic locks (STORE_TIMEOUT_MS); default 5000.
   */
  timeoutMs?: number;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** A stored notification row as the read queries select it. */
interface NotificationRow {
  seq: string;
  topic: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
  read: boolean | null;
}

const NOTIFICATION_COLUMNS = 'seq, topic, type, payload, created_at, read';

/** An inbox row: a notification row with its flags. */
interface InboxRow extends NotificationRow {
  read: boolean;
  seen: boolean;
  archived: boolean;
}

/** A user's counts beside a change: whether it changed them, and the counts after it. */
interface CountsAfterRow {
  counts_changed: boolean;
  unread: number;
  unseen: number;
}

/**
 * An entry's flags after a mark whose flags are $3 (seen), $4 (read), $5 (archived), null to
 * keep one: NotificationStore.mark's rules, as flagsAfter words them.
 */
const MARKED_READ = 'coalesce($4::boolean, CASE WHEN $3::boolean = false THEN false ELSE read END)';
const MARKED_SEEN = `(${MARKED_READ} OR coalesce($3::boolean, seen))`;
const MARKED_ARCHIVED = 'coalesce($5::boolean, archived)';

/** The counts of user $1 after `counter` (a CTE that answers them when it changed them), else as they are. */
const COUNTS_AFTER = `
  coalesce((SELECT unread FROM counter), (SELECT unread FROM inbox_counts WHERE user_id = $1), 0) AS unread,
  coalesce((SELECT unseen FROM counter), (SELECT unseen FROM inbox_counts WHERE user_id = $1), 0) AS unseen`;

/**
 * The store for several instances sharing one PostgreSQL database: NotificationStore's rules,
 * kept in tables. Appends of one instance are group-committed, and
 * per-topic advisory locks (AppendLocks) order them across instances, so ids increase per
 * topic in commit order, a `since` read never skips a notification committed late, and the
 * onCommitted hooks publish in id order. Session-level locks need session-level connections:
 * behind PgBouncer, use session pooling. Every call has a deadline (see postgresPoolConfig and
 * HeldBatch), and a connection whose call failed on one is destroyed, not pooled again.
 */
export class PostgresNotificationStore implements NotificationStore {
  private readonly logger = new Logger(PostgresNotificationStore.name);
  private readonly pool: pg.Pool;
  private readonly locks: AppendLocks;
  private readonly migrationLockKey: string;
  private readonly pruneLockKey: string;
  private readonly queue: GroupCommitQueue;
  private readonly timeoutMs: number;
  /** The batch whose hooks are running, from its commit on. */
  private held: HeldBatch | null = null;
  private readonly guardedClients = new WeakSet<pg.PoolClient>();
  private currentEpoch = '';
  private closed = false;

  constructor(
    databaseUrl: string,
    private readonly retention: RetentionPolicy,
    private readonly options: PostgresStoreOptions = {},
  ) {
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_PATTERN.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SETTINGS.storeTimeoutMs;
    this.pool = new pg.Pool(postgresPoolConfig(databaseUrl, { timeoutMs: this.timeoutMs, poolSize: options.poolSize ?? 10, schema }));
    this.queue = new GroupCommitQueue((batch) => this.commitBatch(batch), options);
    // An idle connection that breaks (database restart) is dropped by the pool; without a
    // listener its error would crash the process.
    this.pool.on('error', (error) => this.logger.warn(`Idle database connection failed: ${error.message}`));
    const namespace = schema ?? 'public';
    this.locks = new AppendLocks(namespace);
    this.migrationLockKey = advisoryLockKey(namespace, 'migrations');
    this.pruneLockKey = advisoryLockKey(namespace, 'prune');
  }

  get epoch(): string {
    return this.currentEpoch;
  }

  async open(): Promise<void> {
    const client = await this.connect();
    try {
      this.currentEpoch = await migrate(client, this.migrationLockKey, this.options.schema);
      client.release();
    } catch (error) {
      client.release(true);
      throw asStoreError(error);
    }
  }

  append(items: AppendItem[], idempotency?: IdempotencyClaim, onCommitted?: CommittedHook): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    // Every append gets a hook, so the batch knows when all of its hooks have run; the queue
    // runs it only after committing its batch, which is `held` by then.
    return this.queue.append({ items, idempotency }, (result) => this.held!.run(() => onCommitted?.(result)));
  }

  async readSince(topic: string, since: string, limit: number): Promise<TopicHistory> {
    const position = this.ownPosition(since);
    if (!position) return { items: [], recovered: false };
    // One statement, one snapshot: a prune cannot fall between the items and the pruned mark.
    const rows = await this.query<NotificationRow & { pruned_seq: string }>(
      `SELECT coalesce(t.pruned_seq, 0) AS pruned_seq, n.*
       FROM (SELECT 1) AS one
       LEFT JOIN topics t ON t.topic = $1
       LEFT JOIN LATERAL (
         SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3
       ) n ON true
       ORDER BY n.seq`,
      [topic, position.seq, limit],
    );
    return {
      items: rows.filter((row) => row.seq !== null).map((row) => this.toNotification(row)),
      recovered: Number(rows[0].pruned_seq) <= position.seq,
    };
  }

  async readLatest(topic: string, limit: number): Promise<Notification[]> {
    const rows = await this.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE topic = $1 ORDER BY seq DESC LIMIT $2`,
      [topic, limit],
    );
    return rows.reverse().map((row) => this.toNotification(row));
  }

  async newestIdsSince(topic: string, since: string, limit: number): Promise<string[]> {
    const position = this.ownPosition(since);
    if (!position) return [];
    const rows = await this.query<{ seq: string }>(
      'SELECT seq FROM notifications WHERE topic = $1 AND seq > $2 ORDER BY seq DESC LIMIT $3',
      [topic, position.seq, limit],
    );
    return rows.map((row) => formatNotificationId(this.epoch, Number(row.seq)));
  }

  async newestIds(topics: string[]): Promise<Map<string, string>> {
    // One statement for any number of topics: an index probe each.
    const rows = await this.query<{ topic: string; seq: string }>(
      `SELECT t.topic, newest.seq
       FROM unnest($1::text[]) AS t(topic)
       CROSS JOIN LATERAL (SELECT max(seq) AS seq FROM notifications WHERE topic = t.topic) newest
       WHERE newest.seq IS NOT NULL`,
      [topics],
    );
    return new Map(rows.map((row) => [row.topic, formatNotificationId(this.epoch, Number(row.seq))]));
  }

  async inbox(userId: string, query: InboxQuery): Promise<InboxPage> {
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const position = this.ownPosition(query.before);
      if (!position) throw new InvalidCursorError(`invalid cursor "${query.before}"`);
      beforeSeq = position.seq;
    }
    const params: unknown[] = [userId, personalTopic(userId), beforeSeq, query.limit + 1, query.archived === true];
    // An unseen entry is unread too: both filters use the unread index.
    let filters = query.unreadOnly || query.unseenOnly ? 'AND read = false' : '';
    if (query.unseenOnly) filters += ' AND seen = false';
    if (query.types?.length) filters += ` AND type = ANY($${params.push(query.types)}::text[])`;
    const rows = await this.query<InboxRow & { unread_count: number; unseen_count: number }>(
      `SELECT coalesce(c.unread, 0) AS unread_count, coalesce(c.unseen, 0) AS unseen_count, n.*
       FROM (SELECT 1) AS one
       LEFT JOIN inbox_counts c ON c.user_id = $1
       LEFT JOIN LATERAL (
         SELECT ${NOTIFICATION_COLUMNS}, seen, archived FROM notifications
         WHERE topic = $2 AND seq < $3 AND archived = $5 ${filters}
         ORDER BY seq DESC LIMIT $4
       ) n ON true
       ORDER BY n.seq DESC`,
      params,
    );
    const found = rows.filter((row) => row.seq !== null);
    const items: InboxItem[] = found
      .slice(0, query.limit)
      .map((row) => Object.assign(this.toNotification(row), { seen: row.seen, read: row.read, archived: row.archived }));
    return {
      items,
      unreadCount: rows[0].unread_count,
      unseenCount: rows[0].unseen_count,
      nextCursor: found.length > items.length && items.length > 0 ? items[items.length - 1].id : null,
    };
  }

  async mark(userId: string, selection: ReadSelection, change: InboxFlagChange): Promise<MarkResult> {
    let byIds = '';
    const params: unknown[] = [userId, personalTopic(userId), change.seen ?? null, change.read ?? null, change.archived ?? null];
    if (!('all' in selection)) {
      const seqs = selection.ids.map((id) => this.ownPosition(id)?.seq).filter((seq) => seq !== undefined);
      byIds = `AND seq = ANY($${params.push(seqs)}::bigint[])`;
    }
    // One statement: the entries it changes are locked first, so a concurrent mark of the same
    // entries counts once, and the counter changes with them.
    const rows = await this.query<CountsAfterRow & { updated: number }>(
      `WITH target AS (
         SELECT seq, seen AS was_seen, read AS was_read, archived AS was_archived FROM notifications
         WHERE topic = $2 ${byIds} AND (${MARKED_SEEN}, ${MARKED_READ}, ${MARKED_ARCHIVED}) IS DISTINCT FROM (seen, read, archived)
         FOR UPDATE
       ), marked AS (
         UPDATE notifications n SET seen = ${MARKED_SEEN}, read = ${MARKED_READ}, archived = ${MARKED_ARCHIVED}
         FROM target t WHERE n.topic = $2 AND n.seq = t.seq
         RETURNING n.seen, n.read, n.archived, t.was_seen, t.was_read, t.was_archived
       ), tally AS (
         SELECT count(*)::int AS updated,
                coalesce(sum((NOT read AND NOT archived)::int - (NOT was_read AND NOT was_archived)::int), 0)::int AS unread,
                coalesce(sum((NOT seen AND NOT archived)::int - (NOT was_seen AND NOT was_archived)::int), 0)::int AS unseen
         FROM marked
       ), counter AS (
         UPDATE inbox_counts c SET unread = c.unread + tally.unread, unseen = c.unseen + tally.unseen FROM tally
         WHERE c.user_id = $1 AND (tally.unread <> 0 OR tally.unseen <> 0) RETURNING c.unread, c.unseen
       )
       SELECT tally.updated, (tally.unread <> 0 OR tally.unseen <> 0) AS counts_changed, ${COUNTS_AFTER}
       FROM tally`,
      params,
    );
    const { updated, counts_changed, unread, unseen } = rows[0];
    return { updated, unread, unseen, countsChanged: counts_changed };
  }

  async counts(userId: string): Promise<InboxCounts> {
    const rows = await this.query<InboxCounts>('SELECT unread, unseen FROM inbox_counts WHERE user_id = $1', [userId]);
    return rows[0] ?? { unread: 0, unseen: 0 };
  }

  async deleteFromInbox(userId: string, id: string): Promise<InboxDeletion> {
    const seq = this.ownPosition(id)?.seq ?? null;
    const rows = await this.query<CountsAfterRow & { deleted: boolean }>(
      `WITH gone AS (
         DELETE FROM notifications WHERE topic = $2 AND seq = $3
         RETURNING (NOT read AND NOT archived)::int AS unread, (NOT seen AND NOT archived)::int AS unseen
       ), counter AS (
         UPDATE inbox_counts c SET unread = c.unread - gone.unread, unseen = c.unseen - gone.unseen FROM gone
         WHERE c.user_id = $1 AND gone.unread + gone.unseen > 0 RETURNING c.unread, c.unseen
       )
       SELECT EXISTS (SELECT 1 FROM gone) AS deleted, EXISTS (SELECT 1 FROM counter) AS counts_changed, ${COUNTS_AFTER}`,
      [userId, personalTopic(userId), seq],
    );
    const { deleted, counts_changed, unread, unseen } = rows[0];
    return { deleted, unread, unseen, countsChanged: counts_changed };
  }

  /**
   * Applies retention. One instance prunes at a time; another one that finds prune already
   * running skips this round. Inbox entries that count (unread, not archived) are never removed.
   */
  async prune(): Promise<void> {
    const now = Date.now();
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [this.pruneLockKey]);
      if (rows[0].locked) {
        if (this.retention.historyTtlS > 0) {
          await client.query(
            recordPruned(`DELETE FROM notifications WHERE created_at < $1 AND (read IS DISTINCT FROM false OR archived) RETURNING topic, seq`),
            [new Date(now - this.retention.historyTtlS * 1000).toISOString()],
          );
        }
        await client.query(
          recordPruned(`DELETE FROM notifications n
             USING topics t CROSS JOIN LATERAL (
               SELECT seq FROM notifications k WHERE k.topic = t.topic ORDER BY seq DESC OFFSET $1 LIMIT 1
             ) edge
             WHERE n.topic = t.topic AND n.seq <= edge.seq AND (n.read IS DISTINCT FROM false OR n.archived)
             RETURNING n.topic, n.seq`),
          [this.retention.historyLimit],
        );
        await client.query('DELETE FROM idempotency_keys WHERE created_at < $1', [new Date(now - IDEMPOTENCY_KEY_TTL_MS).toISOString()]);
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      // Destroyed, which ends the transaction: a ROLLBACK on a connection that timed out would wait out another timeout.
      client.release(true);
      throw asStoreError(error);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drained();
    await this.pool.end();
  }

  /**
   * Commits one group of appends: takes the locks of every topic in it, writes it, and keeps
   * the locks (and their connection) until the hooks of its committed appends have run.
   */
  private async commitBatch(batch: AppendRequest[]): Promise<AppendOutcome[]> {
    const createdAt = new Date();
    const outcomes: AppendOutcome[] = [];
    const prepared: Array<{ index: number; append: PreparedAppend }> = [];
    batch.forEach(({ items, idempotency }, index) => {
      try {
        prepared.push({ index, append: prepareAppend(items, idempotency, createdAt) });
      } catch (error) {
        outcomes[index] = { error };
      }
    });
    if (prepared.length === 0) return outcomes;

    const client = await this.connect();
    try {
      const appends = prepared.map(({ append }) => append);
      const topics = appends.flatMap(({ items }) => items.map((item) => item.topic));
      // A seq per item, drawn with the locks: one round trip less before the batch is published.
      const seqs = await this.locks.acquireAndDraw(client, topics, topics.length);
      const written = await this.writeIsolatingFailures(client, appends, seqs);
      prepared.forEach(({ index }, position) => (outcomes[index] = written[position]));
    } catch (error) {
      await this.releaseBatch(client, error);
      throw asStoreError(error);
    }
    const hooksPending = outcomes.filter((outcome) => 'result' in outcome).length;
    if (hooksPending === 0) await this.releaseBatch(client);
    else this.held = new HeldBatch(client, hooksPending, this.timeoutMs, (held) => this.releaseBatch(held));
    return outcomes;
  }

  /**
   * Writes the batch in one go; when the database refuses it for a reason other than being
   * unreachable, writes each append on its own (with the seqs drawn for its items) so that only
   * the one at fault fails.
   */
  private async writeIsolatingFailures(client: pg.PoolClient, appends: PreparedAppend[], seqs: number[]): Promise<AppendOutcome[]> {
    try {
      return await writeAppends(client, this.epoch, appends, seqs);
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      if (appends.length === 1) return [{ error }];
    }
    const outcomes: AppendOutcome[] = [];
    let drawn = 0;
    for (const append of appends) {
      const own = seqs.slice(drawn, (drawn += append.items.length));
      try {
        outcomes.push(...(await writeAppends(client, this.epoch, [append], own)));
      } catch (error) {
        if (isConnectionFailure(error)) throw error;
        outcomes.push({ error });
      }
    }
    return outcomes;
  }

  /**
   * Releases the batch's locks and returns its connection. One that failed to reach the database
   * (a timeout included) is destroyed instead, which releases its locks too: pooled again, it
   * could still hold them, or answer a query late. Never rejects.
   */
  private async releaseBatch(client: pg.PoolClient, failure?: unknown): Promise<void> {
    if (failure === undefined || !isConnectionFailure(failure)) {
      try {
        await this.locks.release(client);
        client.release();
        return;
      } catch {
        // Destroyed below.
      }
    }
    client.release(true);
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw new StoreUnavailableError('store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asStoreError(error);
    }
    // A checked-out client reports a broken socket both to its query and as an 'error' event,
    // which would crash the process unheard; the query's rejection is what we act on.
    if (!this.guardedClients.has(client)) {
      this.guardedClients.add(client);
      client.on('error', (error) => this.logger.debug(`Database connection failed: ${error.message}`));
    }
    return client;
  }

  private async query<Row extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<Row[]> {
    if (this.closed) throw new StoreUnavailableError('store is closed');
    try {
      return (await this.pool.query<Row>(text, params)).rows;
    } catch (error) {
      throw asStoreError(error);
    }
  }

  private toNotification(row: NotificationRow): Notification {
    return {
      id: formatNotificationId(this.epoch, Number(row.seq)),
      topic: row.topic,
      type: row.type,
      payload: row.payload,
      createdAt: row.created_at.toISOString(),
    };
  }

  /** The position of an id this store issued in its current epoch, else null. */
  private ownPosition(id: string): NotificationPosition | null {
    const position = parseNotificationId(id);
    return position?.epoch === this.epoch ? position : null;
  }

  /** Keyset order (created_at, seq); the BETWEEN bounds the created_at index range (the row comparison alone does not). */
  async unreadAfter(after: StorePosition, createdBefore: number, limit: number): Promise<UnreadScan> {
    const rows = await this.query<NotificationRow>(
      // An archived entry was dismissed: it escalates no more than a read one.
      `SELECT seq, topic, type, CASE WHEN NOT (read OR archived) THEN payload END AS payload, created_at, read OR archived AS read FROM notifications
       WHERE created_at BETWEEN ${msToTimestamp('$1')} AND ${msToTimestamp('$3')} AND (created_at, seq) > (${msToTimestamp('$1')}, $2)
       ORDER BY created_at, seq LIMIT $4`,
      [after.at, after.seq, createdBefore, limit],
    );
    const last = rows.at(-1);
    return {
      last: last ? { at: last.created_at.getTime(), seq: Number(last.seq) } : null,
      unread: rows.filter((row) => row.read === false).map((row) => ({ userId: topicOwner(row.topic)!, notification: this.toNotification(row) })),
    };
  }
}

/** SQL for a ms-since-epoch parameter as timestamptz, exact (no float seconds). */
const msToTimestamp = (parameter: string): string => `(timestamptz 'epoch' + ${parameter}::bigint * interval '1 millisecond')`;

/** Wraps a `DELETE ... RETURNING topic, seq` so that each topic records the highest seq it lost. */
const recordPruned = (deletion: string): string => `
  WITH doomed AS (${deletion})
  UPDATE topics SET pruned_seq = greatest(topics.pruned_seq, lost.seq)
  FROM (SELECT topic, max(seq) AS seq FROM doomed GROUP BY topic) AS lost
  WHERE topics.topic = lost.topic`;
