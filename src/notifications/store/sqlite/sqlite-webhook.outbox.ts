import Database from 'better-sqlite3';
import type { StorePosition } from '../notification-store.js';
import type { OutboxEntry, OutboxEvent, WebhookOutbox } from '../../webhooks/webhook.outbox.js';

/** Its own tables, created here: they are not the store's, and need no migration of its. Times in ms. */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS webhook_outbox (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- due time, pushed to the end of the lease while an attempt runs
    next_attempt_at INTEGER NOT NULL,
    finished_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE finished_at IS NULL;
  CREATE INDEX IF NOT EXISTS webhook_outbox_finished ON webhook_outbox (finished_at) WHERE finished_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS webhook_escalation (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL, seq INTEGER NOT NULL);
`;

/**
 * The outbox in the SQLite file of the store, on a connection of its own (better-sqlite3 runs
 * each transaction in one synchronous call, so the two connections never wait on each other
 * in one process; other processes on the file wait up to busy_timeout).
 */
export class SqliteWebhookOutbox implements WebhookOutbox {
  private db: Database.Database | null = null;

  constructor(private readonly path: string) {}

  async open(): Promise<void> {
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    this.db = db;
  }

  async enqueue(events: OutboxEvent[], now: number): Promise<void> {
    const db = this.opened();
    const insert = db.prepare('INSERT INTO webhook_outbox (id, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    db.transaction(() => {
      for (const { id, body } of events) insert.run(id, body, now, now);
    })();
  }

  async claim(limit: number, now: number, leaseUntil: number): Promise<OutboxEntry[]> {
    const db = this.opened();
    return db
      .transaction(() =>
        db
          .prepare<[number, number, number], { id: string; body: string; attempts: number; created_at: number }>(
            `UPDATE webhook_outbox SET next_attempt_at = ?, attempts = attempts + 1
             WHERE id IN (SELECT id FROM webhook_outbox WHERE finished_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
             RETURNING id, body, attempts, created_at`,
          )
          .all(leaseUntil, now, limit)
          .map((row) => ({ id: row.id, body: row.body, attempts: row.attempts, createdAt: row.created_at })),
      )
      .immediate();
  }

  async finish(id: string, now: number): Promise<void> {
    this.opened().prepare('UPDATE webhook_outbox SET finished_at = ? WHERE id = ?').run(now, id);
  }

  async retryAt(id: string, at: number): Promise<void> {
    this.opened().prepare('UPDATE webhook_outbox SET next_attempt_at = ? WHERE id = ? AND finished_at IS NULL').run(at, id);
  }

  async depth(): Promise<number> {
    return (this.opened().prepare('SELECT count(*) AS depth FROM webhook_outbox WHERE finished_at IS NULL').get() as { depth: number }).depth;
  }

  async prune(before: number): Promise<void> {
    this.opened().prepare('DELETE FROM webhook_outbox WHERE finished_at IS NOT NULL AND finished_at < ?').run(before);
  }

  async escalationCursor(start: StorePosition): Promise<StorePosition> {
    const db = this.opened();
    db.prepare('INSERT INTO webhook_escalation (id, at, seq) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING').run(start.at, start.seq);
    return db.prepare('SELECT at, seq FROM webhook_escalation WHERE id = 1').get() as StorePosition;
  }

  async escalate(events: OutboxEvent[], cursor: StorePosition, now: number): Promise<void> {
    const db = this.opened();
    const insert = db.prepare('INSERT INTO webhook_outbox (id, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    const advance = db.prepare('UPDATE webhook_escalation SET at = ?, seq = ? WHERE id = 1 AND seq < ?');
    db.transaction(() => {
      for (const { id, body } of events) insert.run(id, body, now, now);
      advance.run(cursor.at, cursor.seq, cursor.seq);
    }).immediate();
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }

  private opened(): Database.Database {
    if (!this.db) throw new Error('webhook outbox is closed');
    return this.db;
  }
}
