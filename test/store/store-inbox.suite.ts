import { describe, expect, it } from '@jest/globals';
import { InvalidCursorError, type NotificationStore } from '../../src/notifications/store/notification-store.js';
import { appendEach, draft, foreignId } from './store.fixture.js';
import type { StoreFixture } from './store.fixture.js';

const ids = async (store: NotificationStore, user: string, query = {}) =>
  (await store.inbox(user, { unreadOnly: false, limit: 50, ...query })).items.map((item) => item.id);

/** The inbox of personal topics: read state, paging, unread counts, and its retention. */
export function describeInbox(fixture: StoreFixture): void {
  describe('inbox', () => {
    it('holds personal notifications, unread, newest first; other topics stay out', async () => {
      const store = await fixture.fresh();
      const [first] = await appendEach(store, [draft('user:alice', 'one', { n: 1 }), draft('broadcast'), draft('user:bob')]);
      const [second] = await appendEach(store, [draft('user:alice', 'two')]);

      const page = await store.inbox('alice', { unreadOnly: false, limit: 50 });
      expect(page.items.map(({ id, topic, type, payload, read }) => ({ id, topic, type, payload, read }))).toEqual([
        { id: second, topic: 'user:alice', type: 'two', payload: {}, read: false },
        { id: first, topic: 'user:alice', type: 'one', payload: { n: 1 }, read: false },
      ]);
      expect(page.items[0].createdAt).toEqual(expect.any(String));
      expect(page).toMatchObject({ unreadCount: 2, nextCursor: null });
      // The personal topic is also a topic with history.
      expect((await store.readLatest('user:alice', 10)).map((n) => n.id)).toEqual([first, second]);
    });

    it('pages with before and nextCursor, null on the last page', async () => {
      const store = await fixture.fresh();
      const sent = await appendEach(store, [1, 2, 3, 4, 5].map(() => draft('user:alice')));
      const newestFirst = [...sent].reverse();

      const first = await store.inbox('alice', { unreadOnly: false, limit: 2 });
      expect(first.items.map((i) => i.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.nextCursor).toBe(newestFirst[1]);
      const second = await store.inbox('alice', { unreadOnly: false, limit: 2, before: first.nextCursor! });
      expect(second.items.map((i) => i.id)).toEqual(newestFirst.slice(2, 4));
      const last = await store.inbox('alice', { unreadOnly: false, limit: 2, before: second.nextCursor! });
      expect(last.items.map((i) => i.id)).toEqual(newestFirst.slice(4));
      expect(last.nextCursor).toBeNull();
      // A page that ends exactly at the oldest item is the last page.
      expect((await store.inbox('alice', { unreadOnly: false, limit: 5 })).nextCursor).toBeNull();
    });

    it('filters unreadOnly, with paging over unread items only', async () => {
      const store = await fixture.fresh();
      const sent = await appendEach(store, [1, 2, 3, 4].map(() => draft('user:alice')));
      await store.markRead('alice', { ids: [sent[1], sent[3]] });

      expect(await ids(store, 'alice', { unreadOnly: true })).toEqual([sent[2], sent[0]]);
      const page = await store.inbox('alice', { unreadOnly: true, limit: 1 });
      expect(page.items.map((i) => i.id)).toEqual([sent[2]]);
      expect(page.nextCursor).toBe(sent[2]);
      const next = await store.inbox('alice', { unreadOnly: true, limit: 1, before: page.nextCursor! });
      expect(next.items.map((i) => [i.id, i.read])).toEqual([[sent[0], false]]);
      expect(next.nextCursor).toBeNull();
      expect((await store.inbox('alice', { unreadOnly: false, limit: 50 })).items.map((i) => i.read)).toEqual([true, false, true, false]);
    });

    it('refuses a malformed cursor or one from another epoch with InvalidCursorError', async () => {
      const store = await fixture.fresh();
      await appendEach(store, [draft('user:alice')]);

      for (const before of ['garbage', `${store.epoch}-`, foreignId(store, 1)]) {
        await expect(store.inbox('alice', { unreadOnly: false, limit: 10, before })).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });

    it('answers an empty page and zero for a user who never received anything', async () => {
      const store = await fixture.fresh();
      await appendEach(store, [draft('user:alice')]);

      expect(await store.inbox('nobody', { unreadOnly: false, limit: 10 })).toEqual({ items: [], unreadCount: 0, nextCursor: null });
      expect(await store.unreadCount('nobody')).toBe(0);
      expect(await store.markRead('nobody', { all: true })).toEqual({ updated: 0, unreadCount: 0 });
    });
  });

  describe('read state and unread counts', () => {
    it('marks ids read, ignoring ids that are unknown, malformed or not the user’s, counting unread to read only', async () => {
      const store = await fixture.fresh();
      const [a1, b1, a2, a3, pub] = await appendEach(store, ['user:alice', 'user:bob', 'user:alice', 'user:alice', 'news'].map((t) => draft(t)));

      expect(await store.markRead('alice', { ids: [a1, a2, b1, pub, 'junk', foreignId(store, 1), `${store.epoch}-999999`] })).toEqual({
        updated: 2,
        unreadCount: 1,
      });
      expect(await store.markRead('alice', { ids: [a1, a1, a3] })).toEqual({ updated: 1, unreadCount: 0 });
      expect(await store.unreadCount('bob')).toBe(1);
    });

    it('marks all read', async () => {
      const store = await fixture.fresh();
      const [a1] = await appendEach(store, [draft('user:alice'), draft('user:alice'), draft('user:alice'), draft('user:bob')]);
      await store.markRead('alice', { ids: [a1] });

      expect(await store.markRead('alice', { all: true })).toEqual({ updated: 2, unreadCount: 0 });
      expect(await store.markRead('alice', { all: true })).toEqual({ updated: 0, unreadCount: 0 });
      expect(await store.unreadCount('bob')).toBe(1);
    });

    it('answers each recipient’s unread count after the append', async () => {
      const store = await fixture.fresh();
      await appendEach(store, [draft('user:alice')]);
      const result = await store.append([draft('user:alice'), draft('user:bob'), draft('user:alice'), draft('news')]);

      expect(result.unreadCounts).toEqual(new Map([['alice', 3], ['bob', 1]]));
      expect(await store.unreadCount('alice')).toBe(3);
      expect((await store.append([draft('news')])).unreadCounts).toEqual(new Map());
    });
  });

  describe('inbox retention', () => {
    it('never prunes an unread entry; read entries follow the topic rules', async () => {
      const store = await fixture.fresh({ historyLimit: 2 });
      const sent = await appendEach(store, [1, 2, 3, 4, 5].map(() => draft('user:alice')));
      await store.markRead('alice', { ids: [sent[0], sent[1], sent[3]] });
      await store.prune();

      // sent[2] is beyond the limit but unread: it stays, while the read sent[0] and sent[1] go.
      expect(await ids(store, 'alice')).toEqual([sent[4], sent[3], sent[2]]);
      const history = await store.readSince('user:alice', sent[0], 10);
      expect(history.recovered).toBe(false);
      expect(history.items.map((n) => n.id)).toEqual(sent.slice(2));
      expect((await store.readSince('user:alice', sent[1], 10)).recovered).toBe(true);

      await store.markRead('alice', { all: true });
      await store.prune();
      expect(await ids(store, 'alice')).toEqual([sent[4], sent[3]]);
      expect((await store.readSince('user:alice', sent[1], 10)).recovered).toBe(false);
      expect(await store.unreadCount('alice')).toBe(0);
    });
  });
}
