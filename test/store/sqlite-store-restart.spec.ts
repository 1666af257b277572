import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from '../../src/notifications/store/sqlite/sqlite.migrations.js';
import { SqliteNotificationStore } from '../../src/notifications/store/sqlite/sqlite.store.js';
import { draft, seqOf, setClock } from './store.fixture.js';

let dir: string;
let dbPath: string;
const open: SqliteNotificationStore[] = [];

async function openStore(historyLimit = 1000, historyTtlS = 0): Promise<SqliteNotificationStore> {
  const store = new SqliteNotificationStore(dbPath, { historyLimit, historyTtlS });
  await store.open();
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-store-restart-'));
  dbPath = join(dir, 'nested', 'data', 'notifications.db');
});
afterEach(async () => {
  jest.useRealTimers();
  await Promise.all(open.splice(0).map((store) => store.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite store across restarts', () => {
  it('creates the file and its folders, in WAL mode, migrated to the latest schema', async () => {
    await openStore();

    expect(existsSync(dbPath)).toBe(true);
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version);
    } finally {
      db.close();
    }
  });

  it('counts the unread entries of a database from before the unread column when it migrates', async () => {
    const first = await openStore();
    const sent = await first.append([draft('user:alice'), draft('user:alice'), draft('user:alice'), draft('user:bob'), draft('news')]);
    await first.mark('alice', { ids: [sent.accepted[0].id] }, { read: true });
    await first.close();
    const db = new Database(dbPath);
    try {
      // Back to version 1: the columns of versions 2 and 3 go.
      db.exec('ALTER TABLE topics DROP COLUMN unread; ALTER TABLE topics DROP COLUMN unseen');
      db.exec('ALTER TABLE notifications DROP COLUMN seen; ALTER TABLE notifications DROP COLUMN archived');
      db.pragma('user_version = 1');
    } finally {
      db.close();
    }

    const second = await openStore();
    expect(await second.counts('alice')).toEqual({ unread: 2, unseen: 2 });
    expect(await second.counts('bob')).toEqual({ unread: 1, unseen: 1 });
    expect((await second.inbox('alice', { limit: 10 })).items.map((item) => [item.seen, item.read])).toEqual([[false, false], [false, false], [true, true]]);
    expect((await second.append([draft('user:alice')])).inboxCounts.get('alice')).toEqual({ unread: 3, unseen: 3 });
    expect(await second.mark('alice', { all: true }, { read: true })).toEqual({ updated: 3, unread: 0, unseen: 0, countsChanged: true });
  });

  it('keeps the epoch, the sequence, history, inbox and idempotency keys when reopened', async () => {
    const first = await openStore(3);
    const sent = await first.append([draft('news'), draft('user:alice'), draft('user:alice')], { key: 'k1', fingerprint: 'f' });
    await first.mark('alice', { ids: [sent.accepted[1].id] }, { read: true });
    await first.append([draft('gone'), draft('gone'), draft('gone'), draft('gone')]);
    await first.prune();
    const before = await first.readLatest('gone', 10);
    const epoch = first.epoch;
    await first.close();

    const second = await openStore(3);
    expect(second.epoch).toBe(epoch);
    expect(await second.readSince('news', sent.accepted[0].id, 10)).toEqual({ items: [], recovered: true });
    expect((await second.readLatest('news', 10)).map((n) => n.id)).toEqual([sent.accepted[0].id]);
    expect(await second.readLatest('gone', 10)).toEqual(before);
    const inbox = await second.inbox('alice', { limit: 10 });
    expect(inbox.items.map((i) => [i.id, i.read])).toEqual([
      [sent.accepted[2].id, false],
      [sent.accepted[1].id, true],
    ]);
    expect(inbox.unreadCount).toBe(1);
    const again = await second.append([draft('news')], { key: 'k1', fingerprint: 'f' });
    expect(again).toMatchObject({ duplicate: true, accepted: sent.accepted });

    const next = await second.append([draft('news')]);
    expect(seqOf(next.accepted[0].id)).toBeGreaterThan(seqOf(before[before.length - 1].id));
    // Retention keeps counting the rows written before the restart.
    await second.append([draft('gone')]);
    await second.prune();
    expect(await second.readLatest('gone', 10)).toHaveLength(3);
  });

  it('never issues a seq again, even after retention removed every row', async () => {
    const start = Date.UTC(2030, 0, 1);
    setClock(start);
    const first = await openStore(1000, 60);
    const { accepted } = await first.append([draft('news'), draft('news')]);
    setClock(start + 120_000);
    await first.prune();
    expect(await first.readLatest('news', 10)).toEqual([]);
    await first.close();

    const second = await openStore(1000, 60);
    const next = await second.append([draft('news')]);
    expect(seqOf(next.accepted[0].id)).toBeGreaterThan(seqOf(accepted[1].id));
    expect((await second.readSince('news', accepted[0].id, 10)).recovered).toBe(false);
  });

  it('starts a new epoch when the file is deleted, so an old since is not recovered', async () => {
    const first = await openStore();
    const { accepted } = await first.append([draft('news')]);
    await first.close();
    rmSync(join(dir, 'nested'), { recursive: true });

    const second = await openStore();
    expect(second.epoch).not.toBe(first.epoch);
    await second.append([draft('news')]);
    expect(await second.readSince('news', accepted[0].id, 10)).toEqual({ items: [], recovered: false });
  });
});
