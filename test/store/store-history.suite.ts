import { describe, expect, it } from '@jest/globals';
import { appendEach, draft, foreignId, seqOf, setClock, type StoreFixture, unserializable } from './store.fixture.js';

/** Ids, ordering, `since` reads and topic retention. */
export function describeHistory(fixture: StoreFixture): void {
  describe('ids and ordering', () => {
    it('issues ids unique across topics, increasing within each topic, in this epoch', async () => {
      const store = await fixture.fresh();
      const sequential = await appendEach(store, [draft('a'), draft('b'), draft('a')]);
      const concurrent = await Promise.all([1, 2, 3, 4].map((n) => store.append([draft(n % 2 ? 'a' : 'b')])));
      const ids = [...sequential, ...concurrent.flatMap((r) => r.accepted.map((a) => a.id))];

      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id.startsWith(`${store.epoch}-`)).toBe(true);
      for (const topic of ['a', 'b']) {
        const seqs = (await store.readLatest(topic, 100)).map((n) => seqOf(n.id));
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(seqs.length);
      }
      // Concurrent appends take ids in call order.
      const concurrentSeqs = concurrent.map((r) => seqOf(r.accepted[0].id));
      expect(concurrentSeqs).toEqual([...concurrentSeqs].sort((x, y) => x - y));
    });

    it('appends every item of a request, in request order, with createdAt and a default payload', async () => {
      const before = Date.now();
      const store = await fixture.fresh();
      const result = await store.append([draft('a', 'one', { n: 1 }), draft('b', 'two'), draft('a', 'three', { deep: { x: [1] } })]);

      expect(result.duplicate).toBe(false);
      expect(result.accepted.map((a) => a.topic)).toEqual(['a', 'b', 'a']);
      expect(result.notifications.map(({ id, topic }) => ({ id, topic }))).toEqual(result.accepted);
      expect(result.notifications.map((n) => [n.type, n.payload])).toEqual([
        ['one', { n: 1 }],
        ['two', {}],
        ['three', { deep: { x: [1] } }],
      ]);
      const createdAt = result.notifications[0].createdAt;
      expect(new Date(createdAt).toISOString()).toBe(createdAt);
      expect(Date.parse(createdAt)).toBeGreaterThanOrEqual(before - 1);
      expect(await store.readLatest('a', 10)).toEqual([result.notifications[0], result.notifications[2]]);
    });
  });

  describe('readSince and readLatest', () => {
    it('reads after since, exclusive, oldest first, at most limit', async () => {
      const store = await fixture.fresh();
      const ids = await appendEach(store, ['a', 'other', 'a', 'a', 'a'].map((t) => draft(t)));
      const topicIds = [ids[0], ids[2], ids[3], ids[4]];

      const all = await store.readSince('a', ids[0], 100);
      expect(Object.keys(all).sort()).toEqual(['items', 'recovered']);
      expect(all.recovered).toBe(true);
      expect(all.items.map((n) => n.id)).toEqual(topicIds.slice(1));
      expect((await store.readSince('a', ids[0], 2)).items.map((n) => n.id)).toEqual(topicIds.slice(1, 3));
      // A since from another topic of this store is a position in the same sequence.
      expect((await store.readSince('a', ids[1], 100)).items.map((n) => n.id)).toEqual(topicIds.slice(1));
    });

    it('answers the latest limit, oldest first, and nothing for an unknown topic', async () => {
      const store = await fixture.fresh();
      const ids = await appendEach(store, [1, 2, 3, 4].map(() => draft('a')));

      expect((await store.readLatest('a', 2)).map((n) => n.id)).toEqual(ids.slice(2));
      expect((await store.readLatest('a', 10)).map((n) => n.id)).toEqual(ids);
      expect(await store.readLatest('never', 10)).toEqual([]);
    });

    it('answers the newest id of each topic that holds one, for any number of topics', async () => {
      const store = await fixture.fresh();
      const ids = await appendEach(store, [draft('a'), draft('b'), draft('a'), draft('user:alice')]);
      const many = Array.from({ length: 2000 }, (_, index) => `quiet.${index}`);

      const newest = await store.newestIds(['a', 'b', 'never', 'user:alice', ...many]);
      expect(newest).toEqual(new Map([['a', ids[2]], ['b', ids[1]], ['user:alice', ids[3]]]));
      expect(await store.newestIds([])).toEqual(new Map());
    });

    it('answers the newest ids after since, newest first, at most limit, reading nothing else', async () => {
      const store = await fixture.fresh();
      const ids = await appendEach(store, ['a', 'b', 'a', 'a', 'a', 'a'].map((t) => draft(t)));
      const [first, , second, third, fourth, fifth] = ids;

      expect(await store.newestIdsSince('a', first, 3)).toEqual([fifth, fourth, third]);
      expect(await store.newestIdsSince('a', third, 10)).toEqual([fifth, fourth]);
      expect(await store.newestIdsSince('a', `${store.epoch}-0`, 10)).toEqual([fifth, fourth, third, second, first]);
      expect(await store.newestIdsSince('a', fifth, 10)).toEqual([]);
      expect(await store.newestIdsSince('never', first, 10)).toEqual([]);
      for (const since of ['nonsense', foreignId(store, seqOf(first))]) expect(await store.newestIdsSince('a', since, 10)).toEqual([]);
    });

    it('answers recovered false and no items for a malformed since or one from another epoch', async () => {
      const store = await fixture.fresh();
      const [id] = await appendEach(store, [draft('a'), draft('a')]);

      for (const since of ['', 'nonsense', `${store.epoch}-x`, `${store.epoch}-1-2`, `${store.epoch}`, foreignId(store, seqOf(id))]) {
        expect(await store.readSince('a', since, 10)).toEqual({ items: [], recovered: false });
      }
    });

    it('answers recovered true and no items for a since at or beyond the latest, or on an empty topic', async () => {
      const store = await fixture.fresh();
      const [, last] = await appendEach(store, [draft('a'), draft('a')]);

      expect(await store.readSince('a', last, 10)).toEqual({ items: [], recovered: true });
      expect(await store.readSince('a', `${store.epoch}-${seqOf(last) + 1000}`, 10)).toEqual({ items: [], recovered: true });
      expect(await store.readSince('never', last, 10)).toEqual({ items: [], recovered: true });
    });
  });

  describe('retention', () => {
    it('keeps the historyLimit newest per topic, and a since before the pruned ones is not recovered', async () => {
      const store = await fixture.fresh({ historyLimit: 3 });
      const ids = await appendEach(store, [1, 2, 3, 4, 5].map(() => draft('a')));
      const others = await appendEach(store, [draft('b'), draft('b')]);
      await store.prune();

      expect((await store.readLatest('a', 10)).map((n) => n.id)).toEqual(ids.slice(2));
      expect((await store.readLatest('b', 10)).map((n) => n.id)).toEqual(others);
      const lost = await store.readSince('a', ids[0], 10);
      expect(lost.recovered).toBe(false);
      expect(lost.items.map((n) => n.id)).toEqual(ids.slice(2));
      // Nothing after the last pruned id was lost.
      expect(await store.readSince('a', ids[1], 10)).toEqual({ items: await store.readLatest('a', 10), recovered: true });
    });

    it('counts toward historyLimit what concurrent requests stored, also when one of them failed', async () => {
      const store = await fixture.fresh({ historyLimit: 2 });
      const results = await Promise.allSettled([
        store.append([draft('a', 'first')]),
        store.append([draft('a', 'second'), draft('b')]),
        store.append([draft('a', 'bad'), draft('a', 'bad', unserializable())]),
        store.append([draft('a', 'third'), draft('a', 'fourth')]),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      await store.prune();

      expect((await store.readLatest('a', 10)).map((n) => n.type)).toEqual(['third', 'fourth']);
      expect(await store.readLatest('b', 10)).toHaveLength(1);
    });

    it('drops notifications older than historyTtlS', async () => {
      const start = Date.UTC(2030, 0, 1);
      setClock(start);
      const store = await fixture.fresh({ historyTtlS: 60 });
      const old = await appendEach(store, [draft('a'), draft('a')]);
      setClock(start + 30_000);
      const young = await appendEach(store, [draft('a')]);

      setClock(start + 60_000);
      await store.prune();
      expect((await store.readLatest('a', 10)).map((n) => n.id)).toEqual([...old, ...young]);

      setClock(start + 61_000);
      await store.prune();
      expect((await store.readLatest('a', 10)).map((n) => n.id)).toEqual(young);
      expect(await store.readSince('a', old[0], 10)).toEqual({ items: await store.readLatest('a', 10), recovered: false });
      expect((await store.readSince('a', old[1], 10)).recovered).toBe(true);
    });

    it('keeps notifications forever when historyTtlS is 0', async () => {
      const start = Date.UTC(2030, 0, 1);
      setClock(start);
      const store = await fixture.fresh({ historyTtlS: 0 });
      const ids = await appendEach(store, [draft('a')]);
      setClock(start + 10 * 365 * 86_400_000);
      await store.prune();

      expect((await store.readLatest('a', 10)).map((n) => n.id)).toEqual(ids);
    });
  });
}
