import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { formatNotificationId } from '../../src/notifications/store/notification-id.js';
import { type AppendResult, StoreUnavailableError } from '../../src/notifications/store/notification-store.js';
import { MAX_TOPIC_LOCKS } from '../../src/notifications/store/postgres/postgres-append.locks.js';
import { POSTGRES_MIGRATIONS } from '../../src/notifications/store/postgres/postgres.migrations.js';
import { PostgresNotificationStore, type PostgresStoreOptions } from '../../src/notifications/store/postgres/postgres.store.js';
import type { RetentionPolicy } from '../../src/notifications/store/retention-policy.js';
import { describeStoreSuite } from './store.suite.js';
import { draft, seqOf } from './store.fixture.js';
import { expectLegacyInboxMigrated } from './legacy-inbox.expectations.js';
import { eventually } from '../support/eventually.js';
import { advisoryLocksHeldBy } from '../support/advisory-locks.js';
import { TcpProxy } from '../support/tcp-proxy.fixture.js';

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) console.log('Postgres store tests skipped: DATABASE_URL is unset');
const describeWithPostgres = DATABASE_URL ? describe : describe.skip;

const RETENTION: RetentionPolicy = { historyLimit: 1000, historyTtlS: 0 };

describeWithPostgres('PostgresNotificationStore', () => {
  // Every store of this run lives in a schema of its own, dropped at the end.
  const schemas: string[] = [];
  const newSchema = (): string => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const opened: PostgresNotificationStore[] = [];
  /** An instance of the store: its own pool on the database. */
  const instance = (schema: string, url = DATABASE_URL!, retention = RETENTION, options: PostgresStoreOptions = {}): PostgresNotificationStore => {
    const store = new PostgresNotificationStore(url, retention, { ...options, schema });
    opened.push(store);
    return store;
  };

  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  });

  describeStoreSuite('postgres', async (retention, queue) => {
    const store = new PostgresNotificationStore(DATABASE_URL!, retention, { ...queue, schema: newSchema() });
    await store.open();
    return store;
  });

  describe('across instances', () => {
    it('orders a topic’s ids by commit across two instances, with no gap a concurrent since poller could skip', async () => {
      const schema = newSchema();
      const [a, b] = [instance(schema), instance(schema)];
      await a.open();
      await b.open();
      const topic = 'user:racer';
      // Hooks run while the topic is locked: their order is the order notifications would be published in.
      const published: number[] = [];
      const previousOfPublished: Array<number | null> = [];
      const unreadInHookOrder: number[] = [];
      const hook = async (result: AppendResult) => {
        result.notifications.forEach((notification, index) => {
          if (notification.topic !== topic) return;
          published.push(seqOf(notification.id));
          const previousId = result.previousIds![index];
          previousOfPublished.push(previousId === null ? null : seqOf(previousId));
        });
        const unread = result.inboxCounts.get('racer')?.unread;
        if (unread !== undefined) unreadInHookOrder.push(unread);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      };
      // A fan-out wide enough to take the store-wide lock instead of per-topic locks.
      const fanOut = Array.from({ length: MAX_TOPIC_LOCKS + 10 }, (_, index) => draft(`user:fan-${index}`));
      const producer = async (store: PostgresNotificationStore, producerIndex: number) => {
        for (let round = 0; round < 25; round++) {
          const items = round % 10 === producerIndex ? [...fanOut, draft(topic)] : [draft(topic), draft('elsewhere')];
          await store.append(items, undefined, hook);
        }
      };

      const polled: number[] = [];
      let since = formatNotificationId(a.epoch, 0);
      const poll = async () => {
        const { items, recovered } = await b.readSince(topic, since, 1000);
        expect(recovered).toBe(true);
        for (const notification of items) polled.push(seqOf(notification.id));
        if (items.length > 0) since = items[items.length - 1].id;
      };
      let producing = true;
      const poller = (async () => {
        while (producing) await poll();
      })();
      await Promise.all([a, b].flatMap((store) => [0, 1, 2, 3].map((index) => producer(store, index))));
      producing = false;
      await poller;
      await poll();

      const stored = (await a.readLatest(topic, 1000)).map((notification) => seqOf(notification.id));
      expect(stored).toHaveLength(200);
      expect(published).toEqual(stored);
      expect(previousOfPublished).toEqual([null, ...stored.slice(0, -1)]);
      expect(polled).toEqual(stored);
      expect(unreadInHookOrder).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
      expect(await b.counts('racer')).toEqual({ unread: 200, unseen: 200 });
    });

    it('tells each notification the id before it in its topic, whichever instance stored that one, through batches and retention', async () => {
      const schema = newSchema();
      // Keeps nothing read: its prune removes a shared topic's newest notification too.
      const [a, b] = [instance(schema, DATABASE_URL, { historyLimit: 0, historyTtlS: 0 }), instance(schema)];
      await Promise.all([a.open(), b.open()]);

      const first = await a.append([draft('orders'), draft('user:alice'), draft('orders')]);
      expect(first.previousIds).toEqual([null, null, first.accepted[0].id]);
      // Committed together in one batch: the second append's previous is the first one's.
      const [second, third] = await Promise.all([b.append([draft('orders')]), b.append([draft('orders'), draft('user:alice')])]);
      expect(second.previousIds).toEqual([first.accepted[2].id]);
      expect(third.previousIds).toEqual([second.accepted[0].id, first.accepted[1].id]);

      await a.prune();
      expect(await b.readLatest('orders', 10)).toEqual([]);
      expect((await b.append([draft('orders')])).previousIds).toEqual([third.accepted[0].id]);
    });

    it('appends once when two instances race with the same idempotency key', async () => {
      const schema = newSchema();
      const [a, b] = [instance(schema), instance(schema)];
      await Promise.all([a.open(), b.open()]);

      const results = await Promise.all(
        [a, b, a, b, a, b].map((store) => store.append([draft('user:alice'), draft('orders')], { key: 'order-7', fingerprint: 'same' })),
      );
      const conflicting = await Promise.allSettled([a, b].map((store) => store.append([draft('orders')], { key: 'order-7', fingerprint: 'other' })));

      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
      for (const result of results) expect(result.accepted).toEqual(results[0].accepted);
      expect(conflicting.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
      expect(await a.readLatest('orders', 10)).toHaveLength(1);
      expect(await b.counts('alice')).toEqual({ unread: 1, unseen: 1 });
    });

    it('counts each entry once when two instances mark and delete the same entries at the same time, and appends run beside them', async () => {
      const schema = newSchema();
      const [a, b] = [instance(schema), instance(schema)];
      await Promise.all([a.open(), b.open()]);
      const ids = (await a.append(Array.from({ length: 40 }, () => draft('user:racer')))).accepted.map(({ id }) => id);

      await Promise.all([
        a.mark('racer', { all: true }, { seen: true }),
        b.mark('racer', { ids: ids.slice(0, 20) }, { read: true }),
        a.mark('racer', { ids: ids.slice(10, 30) }, { read: true }),
        b.mark('racer', { ids: ids.slice(25, 35) }, { archived: true }),
        a.mark('racer', { ids: ids.slice(30, 40) }, { archived: true }),
        b.deleteFromInbox('racer', ids[39]),
        a.deleteFromInbox('racer', ids[39]),
        b.append([draft('user:racer'), draft('user:racer')]),
      ]);

      const entries = [...(await a.inbox('racer', { limit: 100 })).items, ...(await a.inbox('racer', { limit: 100, archived: true })).items];
      expect(entries).toHaveLength(41);
      const counted = entries.filter((entry) => !entry.archived);
      expect(await b.counts('racer')).toEqual({
        unread: counted.filter((entry) => !entry.read).length,
        unseen: counted.filter((entry) => !entry.seen).length,
      });
    });

    it('migrates once when instances start together, and they share one epoch', async () => {
      const schema = newSchema();
      const stores = [instance(schema), instance(schema), instance(schema)];
      await Promise.all(stores.map((store) => store.open()));

      expect(new Set(stores.map((store) => store.epoch)).size).toBe(1);
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
        expect(rows.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.version));
      } finally {
        await client.end();
      }
    });

    it('keeps its epoch and ids across a restart', async () => {
      const schema = newSchema();
      const before = instance(schema);
      await before.open();
      const { accepted } = await before.append([draft('orders'), draft('orders'), draft('user:alice')]);
      await before.close();

      const after = instance(schema);
      await after.open();
      expect(after.epoch).toBe(before.epoch);
      expect(await after.readSince('orders', accepted[0].id, 10)).toEqual({
        items: [expect.objectContaining({ id: accepted[1].id })],
        recovered: true,
      });
      expect(await after.counts('alice')).toEqual({ unread: 1, unseen: 1 });
      const [next] = (await after.append([draft('orders')])).accepted;
      expect(seqOf(next.id)).toBeGreaterThan(seqOf(accepted[2].id));
    });
  });

  describe('migration to inbox flags (schema 1 to 2)', () => {
    it('keeps every notification and read flag, makes read ones seen, and counts unread and unseen as they were', async () => {
      const schema = newSchema();
      const epoch = 'mig0epoch2';
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        // Schema 1 as an instance of the previous release left it, with data in it.
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET search_path TO ${schema}`);
        for (const statement of POSTGRES_MIGRATIONS[0].statements) await client.query(statement);
        await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        await client.query('INSERT INTO schema_migrations (version) VALUES (1)');
        await client.query(`INSERT INTO store_meta (key, value) VALUES ('epoch', $1)`, [epoch]);
        await client.query(`SELECT setval('notification_seq', 6)`);
        await client.query(
          `INSERT INTO notifications (topic, seq, type, payload, created_at, read)
           SELECT topic, seq, 'legacy.item', json_build_object('seq', seq), timestamptz '2026-01-01' + seq * interval '1 day', read
           FROM (VALUES ('user:alice', 1, true), ('user:alice', 2, false), ('news', 3, NULL), ('user:bob', 4, false), ('user:alice', 5, false), ('user:bob', 6, true))
             AS row(topic, seq, read)`,
        );
        await client.query(`INSERT INTO topics (topic) VALUES ('user:alice'), ('user:bob'), ('news')`);
        await client.query(`INSERT INTO inbox_unread (user_id, unread) VALUES ('alice', 2), ('bob', 1)`);
      } finally {
        await client.end();
      }

      const store = instance(schema);
      await store.open();
      expect(store.epoch).toBe(epoch);
      await expectLegacyInboxMigrated(store, (seq) => new Date(Date.UTC(2026, 0, 1 + seq)));
    });
  });

  describe('group commit', () => {
    it('fails only the append the database refuses among appends committed together', async () => {
      const store = instance(newSchema());
      await store.open();
      // Postgres text cannot hold NUL: the batch statement fails, and each append is retried on its own.
      const [good, refused, alsoGood] = await Promise.allSettled([
        store.append([draft('orders', 'first')], { key: 'order-1', fingerprint: 'f' }),
        store.append([draft('orders', 'refused')], { key: 'order-\u0000', fingerprint: 'f' }),
        store.append([draft('orders', 'last')]),
      ]);

      expect([good.status, refused.status, alsoGood.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.readLatest('orders', 10)).map((notification) => notification.type)).toEqual(['first', 'last']);
      expect((await store.append([draft('orders', 'first')], { key: 'order-1', fingerprint: 'f' })).duplicate).toBe(true);
    });
  });

  describe('deadlines', () => {
    const timeoutMs = 500;
    /** Within its deadline, with room for a loaded machine, yet far below "never". */
    const withinDeadline = timeoutMs + 1000;
    let proxy: TcpProxy;
    let admin: pg.Client;

    beforeEach(async () => {
      const target = new URL(DATABASE_URL!);
      proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
      admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
    });
    afterEach(async () => {
      await proxy.cut();
      await admin.end();
    });

    const viaProxy = (): string => {
      const url = new URL(DATABASE_URL!);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      return url.toString();
    };
    const locksBehindProxy = (): Promise<number> => advisoryLocksHeldBy(admin, proxy.upstreamPorts);
    const settlesWithin = async <T>(work: Promise<T>, ms: number): Promise<PromiseSettledResult<T>> => {
      const started = Date.now();
      const [outcome] = await Promise.allSettled([work]);
      expect(Date.now() - started).toBeLessThan(ms);
      return outcome;
    };

    it('fails an append, a read, a ping and an open within its timeout when the database stops answering, and serves again once it answers', async () => {
      const store = instance(newSchema(), viaProxy(), RETENTION, { timeoutMs });
      await store.open();
      await store.append([draft('orders')]);

      proxy.stall();
      const calls: Array<() => Promise<unknown>> = [
        () => store.append([draft('orders')]),
        () => store.append([draft('orders')], { key: 'during-stall', fingerprint: 'f' }),
        () => store.readLatest('orders', 10),
        () => store.ping(),
      ];
      for (const call of calls) {
        const outcome = await settlesWithin(call(), withinDeadline);
        expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
      }
      const unopened = instance(newSchema(), viaProxy(), RETENTION, { timeoutMs });
      expect(await settlesWithin(unopened.open(), withinDeadline)).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });

      await proxy.resume();
      await eventually(() => store.ping(), 'the store to answer again');
      await store.append([draft('orders')]);
      expect((await store.readLatest('orders', 10)).length).toBeGreaterThanOrEqual(2);
    });

    it('holds the topic locks of an append whose hook never settles for its timeout only: the append answers, and another instance appends to those topics', async () => {
      const schema = newSchema();
      const [a, b] = [instance(schema, DATABASE_URL, RETENTION, { timeoutMs }), instance(schema, DATABASE_URL, RETENTION, { timeoutMs: 10 * timeoutMs })];
      await Promise.all([a.open(), b.open()]);

      const hung = await settlesWithin(a.append([draft('orders'), draft('user:alice')], undefined, () => new Promise<void>(() => undefined)), withinDeadline);
      expect(hung.status).toBe('fulfilled');
      const [committed] = (hung as PromiseFulfilledResult<AppendResult>).value.accepted;
      const next = await settlesWithin(b.append([draft('orders')]), withinDeadline);
      expect(next).toMatchObject({ status: 'fulfilled', value: { previousIds: [committed.id] } });
      // The instance whose hook hung appends again too: its queue moved on.
      await a.append([draft('orders')]);
      expect(await b.readLatest('orders', 10)).toHaveLength(3);
    });

    it('lets another instance append to the topics a stalled instance held locked, within a few timeouts: the lost session is ended', async () => {
      const schema = newSchema();
      const stalled = instance(schema, viaProxy(), RETENTION, { timeoutMs });
      const healthy = instance(schema, DATABASE_URL, RETENTION, { timeoutMs });
      await Promise.all([stalled.open(), healthy.open()]);

      // The network stalls while `stalled` holds the topic locks, between its commit and its publish.
      let heldAtStall = 0;
      const stalledAppend = stalled.append([draft('orders')], undefined, async () => {
        heldAtStall = await locksBehindProxy();
        proxy.stall();
      });
      await expect(stalledAppend).resolves.toMatchObject({ duplicate: false });
      expect(heldAtStall).toBeGreaterThan(0);

      const started = Date.now();
      await eventually(async () => {
        const attempt = await settlesWithin(healthy.append([draft('orders')]), withinDeadline);
        if (attempt.status === 'rejected') throw attempt.reason;
      }, 'the healthy instance to append to the topic', 6 * timeoutMs + withinDeadline);
      expect(Date.now() - started).toBeLessThan(6 * timeoutMs + withinDeadline);
      expect(await locksBehindProxy()).toBe(0);
    });
  });

  describe('when the database is unreachable', () => {
    it('answers StoreUnavailableError, the driver\'s error its cause, and works again once the database is back', async () => {
      const target = new URL(DATABASE_URL!);
      const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(DATABASE_URL!);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const store = instance(newSchema(), viaProxy.toString());
      try {
        await store.open();
        await store.append([draft('orders')]);

        await proxy.cut();
        await expect(store.append([draft('orders')])).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.readLatest('orders', 10)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
        const unopened = instance(newSchema(), viaProxy.toString());
        const refused: unknown = await unopened.open().then(() => null, (error: unknown) => error);
        expect(refused).toBeInstanceOf(StoreUnavailableError);
        // The driver's message names the address; the store error's, safe to show, names the failure only.
        expect(refused).toMatchObject({ message: 'database unavailable (ECONNREFUSED)', cause: { message: expect.stringContaining(`:${proxy.port}`) } });

        await proxy.resume();
        await expect(store.ping()).resolves.toBeUndefined();
        await store.append([draft('orders')]);
        expect(await store.readLatest('orders', 10)).toHaveLength(2);
      } finally {
        await proxy.cut();
      }
    });
  });
});
