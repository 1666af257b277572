import { describe, expect, it } from '@jest/globals';
import type { AppendResult } from '../../src/notifications/store/notification-store.js';
import { IdempotencyConflictError, StoreOverloadedError } from '../../src/notifications/store/notification-store.js';
import { IDEMPOTENCY_KEY_TTL_MS } from '../../src/notifications/store/retention-policy.js';
import { draft, setClock, type StoreFixture, unserializable } from './store.fixture.js';

const claim = (key: string, fingerprint = 'body-1') => ({ key, fingerprint });

/** Idempotency keys, atomic appends and the onCommitted hook. */
export function describeAppend(fixture: StoreFixture): void {
  describe('idempotency', () => {
    it('answers a repeated key and fingerprint with the first answer, appending nothing', async () => {
      const store = await fixture.fresh();
      const first = await store.append([draft('user:alice'), draft('news')], claim('k1'));
      const again = await store.append([draft('user:alice'), draft('news')], claim('k1'));

      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ accepted: first.accepted, notifications: [], duplicate: true, inboxCounts: new Map() });
      expect(await store.readLatest('news', 10)).toHaveLength(1);
      expect(await store.counts('alice')).toEqual({ unread: 1, unseen: 1 });
    });

    it('refuses the same key with another fingerprint with IdempotencyConflictError', async () => {
      const store = await fixture.fresh();
      await store.append([draft('news')], claim('k1', 'body-1'));

      const conflict = store.append([draft('news', 'other')], claim('k1', 'body-2'));
      await expect(conflict).rejects.toBeInstanceOf(IdempotencyConflictError);
      await expect(conflict).rejects.toMatchObject({ key: 'k1' });
      expect(await store.readLatest('news', 10)).toHaveLength(1);
    });

    it('appends once when the same key races', async () => {
      const store = await fixture.fresh();
      const results = await Promise.all([1, 2, 3, 4].map(() => store.append([draft('news')], claim('race'))));

      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      for (const result of results) expect(result.accepted).toEqual(results[0].accepted);
      expect(await store.readLatest('news', 10)).toHaveLength(1);
    });

    it('forgets keys 24 hours old on prune, and not sooner', async () => {
      const start = Date.UTC(2030, 0, 1);
      setClock(start);
      const store = await fixture.fresh();
      await store.append([draft('news')], claim('k1', 'body-1'));

      setClock(start + IDEMPOTENCY_KEY_TTL_MS);
      await store.prune();
      await expect(store.append([draft('news')], claim('k1', 'body-2'))).rejects.toBeInstanceOf(IdempotencyConflictError);

      setClock(start + IDEMPOTENCY_KEY_TTL_MS + 1000);
      await store.prune();
      expect((await store.append([draft('news')], claim('k1', 'body-2'))).duplicate).toBe(false);
    });
  });

  describe('atomicity', () => {
    it('appends all items of a request or none, and a failed request leaves its key unused', async () => {
      const store = await fixture.fresh();
      const failing = store.append([draft('a'), draft('user:alice'), draft('b', 'bad', unserializable())], claim('k1'));
      await expect(failing).rejects.toThrow();

      expect(await store.readLatest('a', 10)).toEqual([]);
      expect(await store.counts('alice')).toEqual({ unread: 0, unseen: 0 });
      expect((await store.append([draft('a')], claim('k1'))).duplicate).toBe(false);
      expect(await store.readLatest('a', 10)).toHaveLength(1);
    });

    it('fails only the bad request among concurrent ones', async () => {
      const store = await fixture.fresh();
      const [good, bad, alsoGood] = await Promise.allSettled([
        store.append([draft('a', 'first')]),
        store.append([draft('a', 'bad'), draft('a', 'bad', unserializable())]),
        store.append([draft('a', 'last')]),
      ]);

      expect([good.status, bad.status, alsoGood.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.readLatest('a', 10)).map((n) => n.type)).toEqual(['first', 'last']);
    });
  });

  describe('onCommitted', () => {
    it('starts each hook with its result in append order, the hooks of one batch together, and resolves each append after its own hook', async () => {
      const store = await fixture.fresh();
      const events: string[] = [];
      const hook = (name: string, delayMs: number) => async (result: AppendResult) => {
        events.push(`${name} start ${result.accepted[0]?.id ?? 'none'}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        events.push(`${name} end`);
      };
      const appends = [
        store.append([draft('a')], undefined, hook('h1', 20)),
        store.append([draft('a')], undefined, hook('h2', 0)),
        store.append([draft('b')], undefined, hook('h3', 5)),
      ].map((append, index) => append.then((result) => (events.push(`resolved ${index + 1}`), result)));
      const results = await Promise.all(appends);

      const [id1, id2, id3] = results.map((r) => r.accepted[0].id);
      // Appended in one tick, they commit in one batch: no hook waits for the one before to end.
      expect(events.slice(0, 3)).toEqual([`h1 start ${id1}`, `h2 start ${id2}`, `h3 start ${id3}`]);
      expect(events.filter((event) => event.endsWith(' end'))).toEqual(['h2 end', 'h3 end', 'h1 end']);
      for (const n of [1, 2, 3]) expect(events.indexOf(`resolved ${n}`)).toBeGreaterThan(events.indexOf(`h${n} end`));
    });

    it('passes the hook the same result the append resolves with, duplicates included', async () => {
      const store = await fixture.fresh();
      const seen: AppendResult[] = [];
      const first = await store.append([draft('user:alice')], claim('k'), (result) => void seen.push(result));
      const again = await store.append([draft('user:alice')], claim('k'), (result) => void seen.push(result));

      expect(seen).toEqual([first, again]);
      expect(seen[1].duplicate).toBe(true);
    });

    it('rejects the append when its hook throws, keeping the committed notifications', async () => {
      const store = await fixture.fresh();
      const failure = new Error('publish failed');
      await expect(store.append([draft('a')], undefined, () => Promise.reject(failure))).rejects.toBe(failure);

      expect(await store.readLatest('a', 10)).toHaveLength(1);
      expect((await store.append([draft('a')])).duplicate).toBe(false);
    });
  });

  describe('pending writes', () => {
    it('refuses an append at once with StoreOverloadedError while maxPendingWrites appends wait, storing nothing of it', async () => {
      const store = await fixture.fresh({}, { maxPendingWrites: 2 });
      let hookStarted!: () => void;
      const started = new Promise<void>((resolve) => (hookStarted = resolve));
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      // The next batch commits only once this hook settles: the appends after it wait.
      const first = store.append([draft('a', 'first')], undefined, () => (hookStarted(), gate));
      await started;
      const waiting = [store.append([draft('a', 'second')]), store.append([draft('a', 'third')])];

      try {
        const refused = store.append([draft('a', 'refused')]);
        const notAtOnce = new Promise((resolve) => setTimeout(resolve, 1000, 'still waiting'));
        await expect(Promise.race([refused, notAtOnce])).rejects.toBeInstanceOf(StoreOverloadedError);
      } finally {
        openGate();
      }
      await Promise.all([first, ...waiting]);
      await store.append([draft('a', 'after')]);
      expect((await store.readLatest('a', 10)).map((notification) => notification.type)).toEqual(['first', 'second', 'third', 'after']);
    });
  });

  describe('lifecycle', () => {
    it('answers ping while open and refuses it once closed', async () => {
      const store = await fixture.fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      await fixture.close(store);
      await expect(store.ping()).rejects.toThrow();
    });
  });
}
