import type { Database, Transaction } from 'better-sqlite3';
import { type InboxCounts, topicOwner } from '../../notification.model.js';
import type { AppendOutcome, AppendRequest } from '../group-commit.queue.js';
import { formatNotificationId } from '../notification-id.js';
import { type AcceptedNotification, type AppendResult, IdempotencyConflictError } from '../notification-store.js';
import type { SqliteStatements } from './sqlite.statements.js';

/** Rows stored per shared topic in one transaction, added to `topics` once at its end. */
type SharedCounts = Map<string, number>;

/**
 * Writes a batch of appends in one SQLite transaction (one fsync for the whole batch). Seqs come
 * from an in-memory counter persisted in the same transaction, so they are never reused, even
 * when retention deletes the newest rows.
 *
 * Shared topics' `stored` counters are summed over the batch and written once per topic; an
 * inbox's counters are written per append, as each answer carries the counts after it.
 *
 * A refused idempotency key is found before its append writes anything, so it never spoils the
 * batch. Any other failure rolls the batch back and writes it again with each append inside its
 * own savepoint, so that only the failing one is undone; savepoints cost two statements per
 * append, so the common case goes without them.
 */
export class SqliteAppendWriter {
  private readonly writeBatch: Transaction<(batch: AppendRequest[]) => AppendOutcome[]>;
  private readonly writeIsolated: Transaction<(batch: AppendRequest[]) => AppendOutcome[]>;
  private readonly writeOne: Transaction<(request: AppendRequest) => AppendResult>;

  constructor(
    db: Database,
    private readonly statements: SqliteStatements,
    private readonly epoch: string,
    private lastSeq: number,
  ) {
    // better-sqlite3 runs a transaction function nested in another as a savepoint.
    this.writeOne = db.transaction((request: AppendRequest) => {
      const shared: SharedCounts = new Map();
      const result = this.insert(request, shared);
      this.saveSharedCounts(shared);
      return result;
    });
    this.writeBatch = db.transaction((batch: AppendRequest[]) => {
      const shared: SharedCounts = new Map();
      const outcomes = batch.map((request) => this.attempt(request, shared));
      this.saveSharedCounts(shared);
      return this.persistSeq(outcomes);
    });
    this.writeIsolated = db.transaction((batch: AppendRequest[]) => this.persistSeq(batch.map((request) => this.attemptIsolated(request))));
  }

  /** Commits the batch; throws (having changed nothing) when the transaction itself fails. */
  commit(batch: AppendRequest[]): AppendOutcome[] {
    const lastSeq = this.lastSeq;
    try {
      return this.writeBatch.immediate(batch);
    } catch {
      this.lastSeq = lastSeq;
    }
    try {
      return this.writeIsolated.immediate(batch);
    } catch (error) {
      this.lastSeq = lastSeq;
      throw error;
    }
  }

  private saveSharedCounts(shared: SharedCounts): void {
    for (const [topic, count] of shared) this.statements.countShared.run(topic, count);
  }

  private persistSeq(outcomes: AppendOutcome[]): AppendOutcome[] {
    this.statements.saveLastSeq.run(this.lastSeq);
    return outcomes;
  }

  /** A refused key is an answer; anything else fails the whole transaction. */
  private attempt(request: AppendRequest, shared: SharedCounts): AppendOutcome {
    try {
      return { result: this.insert(request, shared) };
    } catch (error) {
      if (error instanceof IdempotencyConflictError) return { error };
      throw error;
    }
  }

  private attemptIsolated(request: AppendRequest): AppendOutcome {
    const lastSeq = this.lastSeq;
    try {
      return { result: this.writeOne(request) };
    } catch (error) {
      this.lastSeq = lastSeq;
      return { error };
    }
  }

  /** Adds to `shared` what it stored in shared topics; throws IdempotencyConflictError before writing anything. */
  private insert({ items, idempotency }: AppendRequest, shared: SharedCounts): AppendResult {
    const { statements } = this;
    if (idempotency) {
      const seen = statements.findKey.get(idempotency.key);
      if (seen) {
        if (seen.fingerprint !== idempotency.fingerprint) throw new IdempotencyConflictError(idempotency.key);
        const accepted = JSON.parse(seen.accepted) as AcceptedNotification[];
        return { accepted, notifications: [], duplicate: true, inboxCounts: new Map() };
      }
    }
    const createdMs = Date.now();
    const createdAt = new Date(createdMs).toISOString();
    const inboxes = new Map<string, { owner: string; count: number }>();
    const notifications = items.map((item) => {
      const seq = ++this.lastSeq;
      const payloadJson = JSON.stringify(item.payload ?? {});
      const owner = topicOwner(item.topic);
      statements.insertNotification.run(seq, item.topic, item.type, payloadJson, createdMs, owner === null ? null : 0);
      if (owner === null) shared.set(item.topic, (shared.get(item.topic) ?? 0) + 1);
      else inboxes.set(item.topic, { owner, count: (inboxes.get(item.topic)?.count ?? 0) + 1 });
      // What is delivered is what was stored: the payload as its JSON reads back.
      const payload = JSON.parse(payloadJson) as Record<string, unknown>;
      return { id: formatNotificationId(this.epoch, seq), topic: item.topic, type: item.type, payload, createdAt };
    });
    const inboxCounts = new Map<string, InboxCounts>();
    for (const [topic, { owner, count }] of inboxes) inboxCounts.set(owner, statements.countInbox.get(topic, count, count, count)!);
    const accepted = notifications.map(({ id, topic }) => ({ id, topic }));
    if (idempotency) statements.insertKey.run(idempotency.key, idempotency.fingerprint, JSON.stringify(accepted), createdMs);
    return { accepted, notifications, duplicate: false, inboxCounts };
  }
}
