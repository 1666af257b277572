import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { StorePosition } from '../notification-store.js';
import type { OutboxEntry, OutboxEvent, WebhookOutbox } from '../../webhooks/webhook.outbox.js';
import { postgresPoolConfig } from './postgres-pool.config.js';

/** Its own tables, created here: they are not the store's, and need no migration of its. Times in ms. */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS webhook_outbox (
     id text PRIMARY KEY,
     body text NOT NULL,
     created_at bigint NOT NULL,
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at bigint NOT NULL,
     finished_at bigint
   )`,
  `CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE finished_at IS NULL`,
  `CREATE INDEX IF NOT EXISTS webhook_outbox_finished ON webhook_outbox (finished_at) WHERE finished_at IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS webhook_escalation (id integer PRIMARY KEY CHECK (id = 1), at bigint NOT NULL, seq bigint NOT NULL)`,
];

/** Instances starting together create the tables once (CREATE ... IF NOT EXISTS races otherwise). */
const SCHEMA_LOCK_KEY = 7_052_871_290_113;

const INSERT_EVENTS = `INSERT INTO webhook_outbox (id, body, created_at, next_attempt_at)
  SELECT id, body, $3, $3 FROM unnest($1::text[], $2::text[]) AS event(id, body)
  ON CONFLICT (id) DO NOTHING`;

interface EntryRow {
  id: string;
  body: string;
  attempts: number;
  created_at: string;
}

/**
 * The outbox in the store's PostgreSQL database, on a small pool of its own. A claim skips
 * rows another instance holds (FOR UPDATE SKIP LOCKED) and leases what it takes by pushing
 * next_attempt_at to the lease's end, so a cluster sends each event once at a time.
 */
export class PostgresWebhookOutbox implements WebhookOutbox {
  private readonly logger = new Logger(PostgresWebhookOutbox.name);
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string, timeoutMs: number) {
    this.pool = new pg.Pool(postgresPoolConfig(databaseUrl, { timeoutMs, poolSize: 2 }));
    this.pool.on('error', (error) => this.logger.warn(`Idle database connection failed: ${error.message}`));
  }

  async open(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
      for (const statement of SCHEMA) await client.query(statement);
    });
  }

  async enqueue(events: OutboxEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    await this.pool.query(INSERT_EVENTS, [events.map((e) => e.id), events.map((e) => e.body), now]);
  }

  async claim(limit: number, now: number, leaseUntil: number): Promise<OutboxEntry[]> {
    const { rows } = await this.pool.query<EntryRow>(
      `UPDATE webhook_outbox outbox SET next_attempt_at = $2, attempts = outbox.attempts + 1
       FROM (SELECT id FROM webhook_outbox WHERE finished_at IS NULL AND next_attempt_at <= $1
             ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
       WHERE outbox.id = due.id
       RETURNING outbox.id, outbox.body, outbox.attempts, outbox.created_at`,
      [now, leaseUntil, limit],
    );
    return rows.map((row) => ({ id: row.id, body: row.body, attempts: row.attempts, createdAt: Number(row.created_at) }));
  }

  async finish(id: string, now: number): Promise<void> {
    await this.pool.query('UPDATE webhook_outbox SET finished_at = $2 WHERE id = $1', [id, now]);
  }

  async retryAt(id: string, at: number): Promise<void> {
    await this.pool.query('UPDATE webhook_outbox SET next_attempt_at = $2 WHERE id = $1 AND finished_at IS NULL', [id, at]);
  }

  async depth(): Promise<number> {
    const { rows } = await this.pool.query<{ depth: string }>('SELECT count(*) AS depth FROM webhook_outbox WHERE finished_at IS NULL');
    return Number(rows[0].depth);
  }

  async prune(before: number): Promise<void> {
    await this.pool.query('DELETE FROM webhook_outbox WHERE finished_at IS NOT NULL AND finished_at < $1', [before]);
  }

  async escalationCursor(start: StorePosition): Promise<StorePosition> {
    await this.pool.query('INSERT INTO webhook_escalation (id, at, seq) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [start.at, start.seq]);
    const { rows } = await this.pool.query<{ at: string; seq: string }>('SELECT at, seq FROM webhook_escalation WHERE id = 1');
    return { at: Number(rows[0].at), seq: Number(rows[0].seq) };
  }

  async escalate(events: OutboxEvent[], cursor: StorePosition, now: number): Promise<void> {
    await this.transaction(async (client) => {
      if (events.length > 0) await client.query(INSERT_EVENTS, [events.map((e) => e.id), events.map((e) => e.body), now]);
      // Forward only: an instance that scanned the same page later does not move it back.
      await client.query('UPDATE webhook_escalation SET at = $1, seq = $2 WHERE id = 1 AND (at, seq) < ($1, $2)', [cursor.at, cursor.seq]);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let failed = false;
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A connection whose transaction failed (a timeout included) is dropped, not pooled mid-transaction.
      client.release(failed);
    }
  }
}
