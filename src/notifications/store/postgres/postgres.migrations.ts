import type { PoolClient } from 'pg';
import { newEpoch } from '../notification-id.js';

/** One schema change; `version`s increase and are applied once, in order. */
export interface PostgresMigration {
  version: number;
  statements: string[];
}

/**
 * The schema of the Postgres store. Append only: a released migration is never edited,
 * a change is a new version.
 */
export const POSTGRES_MIGRATIONS: PostgresMigration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE store_meta (key text PRIMARY KEY, value text NOT NULL)`,
      // CACHE 1 (the default) matters: per-session caching would hand out ids out of call order.
      `CREATE SEQUENCE notification_seq AS bigint CACHE 1`,
      // read: null outside personal topics, false (unread) or true in a user's inbox.
      `CREATE TABLE notifications (
         topic text NOT NULL,
         seq bigint NOT NULL,
         type text NOT NULL,
         payload json NOT NULL,
         created_at timestamptz NOT NULL,
         read boolean,
         PRIMARY KEY (topic, seq)
       )`,
      `CREATE INDEX notifications_unread ON notifications (topic, seq) WHERE read = false`,
      `CREATE INDEX notifications_created_at ON notifications (created_at)`,
      // pruned_seq: the highest seq retention removed from the topic; a since below it lost notifications.
      `CREATE TABLE topics (topic text PRIMARY KEY, pruned_seq bigint NOT NULL DEFAULT 0)`,
      `CREATE TABLE inbox_unread (user_id text PRIMARY KEY, unread integer NOT NULL CHECK (unread >= 0))`,
      `CREATE TABLE idempotency_keys (
         key text PRIMARY KEY,
         fingerprint text NOT NULL,
         accepted json NOT NULL,
         created_at timestamptz NOT NULL
       )`,
      `CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`,
      // Takes an append's advisory locks in the given order, in one round trip; the caller sorts them.
      `CREATE FUNCTION lock_topics(global_key bigint, topic_keys bigint[]) RETURNS void LANGUAGE plpgsql AS $$
       DECLARE
         topic_key bigint;
       BEGIN
         IF topic_keys IS NULL THEN
           PERFORM pg_advisory_lock(global_key);
           RETURN;
         END IF;
         PERFORM pg_advisory_lock_shared(global_key);
         FOREACH topic_key IN ARRAY topic_keys LOOP
           PERFORM pg_advisory_lock(topic_key);
         END LOOP;
       END
       $$`,
    ],
  },
  {
    version: 2,
    statements: [
      // An inbox entry's other flags (read tells inbox entries from the rest, where these mean
      // nothing); a read entry was seen. Constant defaults: the table is not rewritten.
      `ALTER TABLE notifications
         ADD COLUMN seen boolean NOT NULL DEFAULT false,
         ADD COLUMN archived boolean NOT NULL DEFAULT false`,
      `UPDATE notifications SET seen = true WHERE read`,
      // Before this version every unread entry was unseen, and none archived.
      `ALTER TABLE inbox_unread RENAME TO inbox_counts`,
      `ALTER TABLE inbox_counts ADD COLUMN unseen integer NOT NULL DEFAULT 0 CHECK (unseen >= 0)`,
      `UPDATE inbox_counts SET unseen = unread`,
    ],
  },
];

/**
 * Brings the schema up to date and answers the store's epoch (drawn on first start). Runs in
 * one transaction under an advisory lock, so instances starting together migrate once.
 */
export async function migrate(client: PoolClient, migrationLockKey: string, schema?: string): Promise<string> {
  await client.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey]);
  try {
    await client.query('BEGIN');
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
      const current = rows[0].version ?? 0;
      for (const migration of POSTGRES_MIGRATIONS.filter((candidate) => candidate.version > current)) {
        for (const statement of migration.statements) await client.query(statement);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
      }
      await client.query(`INSERT INTO store_meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING`, [newEpoch()]);
      const epoch = await client.query<{ value: string }>(`SELECT value FROM store_meta WHERE key = 'epoch'`);
      await client.query('COMMIT');
      return epoch.rows[0].value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [migrationLockKey]).catch(() => undefined);
  }
}
