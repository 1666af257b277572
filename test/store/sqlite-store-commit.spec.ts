import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { SqliteNotificationStore } from '../../src/notifications/store/sqlite/sqlite.store.js';
import { draft, setClock } from './store.fixture.js';
import { countWalCommits } from './sqlite-wal.reader.js';

let dir: string;
let store: SqliteNotificationStore;
const dbPath = () => join(dir, 'notifications.db');

async function openStore(historyLimit = 1000, historyTtlS = 0): Promise<SqliteNotificationStore> {
  store = new SqliteNotificationStore(dbPath(), { historyLimit, historyTtlS });
  await store.open();
  return store;
}

/** Checkpoints and empties the log from a second connection, so what follows is counted alone. */
function resetWal(): void {
  const observer = new Database(dbPath());
  try {
    const [result] = observer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    expect(result.busy).toBe(0);
  } finally {
    observer.close();
  }
  expect(countWalCommits(`${dbPath()}-wal`)).toBe(0);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-store-commit-'));
});
afterEach(async () => {
  jest.useRealTimers();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite group commit', () => {
  it('commits the appends of one tick in a single transaction', async () => {
    await openStore();
    await store.append([draft('warm-up')]);
    resetWal();

    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => store.append([draft(`topic-${n % 3}`), draft('user:alice')])));

    expect(countWalCommits(`${dbPath()}-wal`)).toBe(1);
    expect(new Set(results.flatMap((r) => r.accepted.map((a) => a.id))).size).toBe(40);
    expect(await store.counts('alice')).toEqual({ unread: 20, unseen: 20 });
  });

  it('commits appends awaited one after the other separately', async () => {
    await openStore();
    await store.append([draft('warm-up')]);
    resetWal();

    for (let n = 0; n < 3; n += 1) await store.append([draft('a')]);

    expect(countWalCommits(`${dbPath()}-wal`)).toBe(3);
  });
});

describe('sqlite retention in chunks', () => {
  it('prunes a large backlog in several transactions, yielding to the event loop between them', async () => {
    await openStore(10);
    const { accepted } = await store.append(Array.from({ length: 2600 }, () => draft('busy')));
    await store.append([draft('quiet')]);
    resetWal();

    let finished = false;
    const pruning = store.prune().then(() => (finished = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    // Appends and reads are served while the prune is under way.
    await store.append([draft('quiet')]);
    expect(await store.readLatest('quiet', 10)).toHaveLength(2);
    await pruning;

    expect(countWalCommits(`${dbPath()}-wal`)).toBeGreaterThan(5);
    expect((await store.readLatest('busy', 100)).map((n) => n.id)).toEqual(accepted.slice(-10).map((a) => a.id));
    expect((await store.readSince('busy', accepted[2589].id, 100)).recovered).toBe(true);
    expect((await store.readSince('busy', accepted[2588].id, 100)).recovered).toBe(false);
  });

  it('walks the whole expired range, past unread inbox rows, and stops at young rows', async () => {
    const start = Date.UTC(2030, 0, 1);
    setClock(start);
    await openStore(100_000, 60);
    const unread = await store.append([draft('user:alice')]);
    const old = await store.append(Array.from({ length: 1800 }, (_, n) => draft(n % 2 ? 'a' : 'user:bob')));
    await store.mark('bob', { all: true }, { read: true });
    setClock(start + 120_000);
    const young = await store.append([draft('a'), draft('user:bob')]);

    await store.prune();

    expect((await store.readLatest('a', 10_000)).map((n) => n.id)).toEqual([young.accepted[0].id]);
    expect((await store.inbox('bob', { unreadOnly: false, limit: 100 })).items.map((i) => i.id)).toEqual([young.accepted[1].id]);
    expect((await store.inbox('alice', { unreadOnly: false, limit: 100 })).items.map((i) => i.id)).toEqual([unread.accepted[0].id]);
    expect((await store.readSince('a', old.accepted[0].id, 10)).recovered).toBe(false);
  });
});
