import type { Database } from 'better-sqlite3';

/** One schema step; `version` is what `PRAGMA user_version` holds once it has run. */
export interface SqliteMigration {
  version: number;
  sql: string;
}

/** The schema, in order. Never edit a released step: append a new one. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    sql: `
      -- epoch (the id prefix) and last_seq (the store-wide sequence, never reused).
      CREATE TABLE store_meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;

      -- read: NULL outside personal topics, 0 unread, 1 read. created_at: ms since 1970.
      CREATE TABLE notifications (
        seq INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read INTEGER
      );
      CREATE INDEX notifications_by_topic ON notifications (topic, seq);
      CREATE INDEX notifications_unread ON notifications (topic, seq) WHERE read = 0;

      -- stored: rows the topic holds; pruned_seq: the highest seq retention removed from it.
      CREATE TABLE topics (
        topic TEXT PRIMARY KEY,
        stored INTEGER NOT NULL DEFAULT 0,
        pruned_seq INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;

      -- accepted: the first answer, as JSON.
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        accepted TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
    `,
  },
  {
    version: 2,
    sql: `
      -- unread: the topic's unread inbox entries, kept with every append and read, so that an
      -- unread count is one row however long the inbox (retention never removes unread rows).
      ALTER TABLE topics ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
      UPDATE topics SET unread = (SELECT COUNT(*) FROM notifications n WHERE n.topic = topics.topic AND n.read = 0);
    `,
  },
  {
    version: 3,
    sql: `
      -- seen and archived: an inbox entry's other flags (read tells inbox entries from the rest,
      -- where these two mean nothing); a read entry was seen. Constant defaults: no rewrite.
      ALTER TABLE notifications ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE notifications ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
      UPDATE notifications SET seen = 1 WHERE read = 1;
      -- unseen beside unread: before this step every unread entry was unseen, and none archived.
      ALTER TABLE topics ADD COLUMN unseen INTEGER NOT NULL DEFAULT 0;
      UPDATE topics SET unseen = unread;
    `,
  },
];

/** Runs the steps the database has not seen yet, each in its own transaction. */
export function migrateSqlite(db: Database, migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
