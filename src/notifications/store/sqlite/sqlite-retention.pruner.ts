import type { Database, Transaction } from 'better-sqlite3';
import { nextTurn } from '../next-turn.js';
import { IDEMPOTENCY_KEY_TTL_MS, type RetentionPolicy } from '../retention-policy.js';
import type { PrunedRow, SqliteStatements } from './sqlite.statements.js';

/** Rows one retention step deletes at most: each step is a short transaction. */
const CHUNK = 500;
/** Topics read per page while looking for those over the limit. */
const TOPIC_PAGE = 100;

/**
 * Applies retention in short transactions of at most CHUNK rows, yielding to the event loop
 * between them so appends and reads keep flowing while a large backlog is pruned.
 * Inbox rows that count (unread and not archived) are never deleted.
 */
export class SqliteRetentionPruner {
  private readonly removeChunk: Transaction<(remove: () => PrunedRow[]) => number>;

  constructor(
    db: Database,
    private readonly statements: SqliteStatements,
    private readonly retention: RetentionPolicy,
  ) {
    this.removeChunk = db.transaction((remove: () => PrunedRow[]) => {
      const rows = remove();
      this.notePruned(rows);
      return rows.length;
    });
  }

  /** Runs every rule; stops early (between chunks) once `stopped()` answers true. */
  async prune(stopped: () => boolean): Promise<void> {
    const now = Date.now();
    await this.pruneBeyondLimit(stopped);
    if (this.retention.historyTtlS > 0) await this.pruneExpired(now - this.retention.historyTtlS * 1000, stopped);
    await this.pruneKeys(now - IDEMPOTENCY_KEY_TTL_MS, stopped);
  }

  /** Topics holding more than historyLimit rows lose their oldest settled rows. */
  private async pruneBeyondLimit(stopped: () => boolean): Promise<void> {
    const { statements, retention } = this;
    let after = '';
    while (!stopped()) {
      const topics = statements.topicsOverLimit.all(retention.historyLimit, after, TOPIC_PAGE);
      for (const topic of topics) {
        const boundary = statements.limitBoundary.get(topic, retention.historyLimit);
        if (boundary === undefined) continue;
        while (!stopped() && this.step(() => statements.pruneBeyondLimit.all(topic, boundary, CHUNK)) === CHUNK) {
          await nextTurn();
        }
        await nextTurn();
      }
      if (topics.length < TOPIC_PAGE) return;
      after = topics[topics.length - 1];
    }
  }

  /**
   * Walks the sequence from its oldest row in windows of CHUNK seqs, stopping at the first
   * window that starts with a row young enough to keep (seqs follow creation time).
   */
  private async pruneExpired(cutoffMs: number, stopped: () => boolean): Promise<void> {
    const { statements } = this;
    let from = 0;
    while (!stopped()) {
      const oldest = statements.oldestFrom.get(from);
      if (!oldest || oldest.created_at >= cutoffMs) return;
      from = oldest.seq + CHUNK;
      this.step(() => statements.pruneExpired.all(oldest.seq, from, cutoffMs));
      await nextTurn();
    }
  }

  private async pruneKeys(cutoffMs: number, stopped: () => boolean): Promise<void> {
    while (!stopped() && this.statements.pruneKeys.run(cutoffMs, CHUNK).changes === CHUNK) await nextTurn();
  }

  /** Deletes one chunk and records it on its topics, in one transaction; answers the rows deleted. */
  private step(remove: () => PrunedRow[]): number {
    return this.removeChunk.immediate(remove);
  }

  /** Counts the removed rows off their topics and raises each topic's pruned seq. */
  private notePruned(rows: PrunedRow[]): void {
    const byTopic = new Map<string, { count: number; maxSeq: number }>();
    for (const { seq, topic } of rows) {
      const seen = byTopic.get(topic) ?? { count: 0, maxSeq: 0 };
      byTopic.set(topic, { count: seen.count + 1, maxSeq: Math.max(seen.maxSeq, seq) });
    }
    for (const [topic, { count, maxSeq }] of byTopic) this.statements.notePruned.run(count, maxSeq, topic);
  }
}
