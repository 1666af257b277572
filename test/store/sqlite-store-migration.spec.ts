import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { migrateSqlite, SQLITE_MIGRATIONS } from '../../src/notifications/store/sqlite/sqlite.migrations.js';
import { SqliteNotificationStore } from '../../src/notifications/store/sqlite/sqlite.store.js';
import { expectLegacyInboxMigrated } from './legacy-inbox.expectations.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-migration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EPOCH = 'mig0epoch1';
/** Rows as schema version 2 (read/unread only) held them: [seq, topic, read]. */
const ROWS: Array<[number, string, number | null]> = [
  [1, 'user:alice', 1],
  [2, 'user:alice', 0],
  [3, 'news', null],
  [4, 'user:bob', 0],
  [5, 'user:alice', 0],
  [6, 'user:bob', 1],
];

describe('sqlite store migration to inbox flags (schema 2 to 3)', () => {
  it('keeps every notification and read flag, makes read ones seen, and counts unread and unseen as they were', async () => {
    const path = join(dir, 'v2.db');
    const db = new Database(path);
    try {
      migrateSqlite(db, SQLITE_MIGRATIONS.filter((migration) => migration.version <= 2));
      db.prepare("INSERT INTO store_meta (key, value) VALUES ('epoch', ?), ('last_seq', 6)").run(EPOCH);
      const insert = db.prepare('INSERT INTO notifications (seq, topic, type, payload, created_at, read) VALUES (?, ?, ?, ?, ?, ?)');
      for (const [seq, topic, read] of ROWS) insert.run(seq, topic, 'legacy.item', JSON.stringify({ seq }), Date.UTC(2026, 0, seq), read);
      db.exec(`INSERT INTO topics (topic, stored, unread) VALUES ('user:alice', 3, 2), ('user:bob', 2, 1), ('news', 1, 0)`);
    } finally {
      db.close();
    }

    const store = new SqliteNotificationStore(path, { historyLimit: 1000, historyTtlS: 0 });
    await store.open();
    try {
      await expectLegacyInboxMigrated(store, (seq) => new Date(Date.UTC(2026, 0, seq)));
    } finally {
      await store.close();
    }
  });
});
