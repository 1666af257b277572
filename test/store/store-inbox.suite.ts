import { describe, expect, it } from '@jest/globals';
import { InvalidCursorError, type InboxQuery, type NotificationStore, type ReadSelection } from '../../src/notifications/store/notification-store.js';
import { appendEach, draft, foreignId } from './store.fixture.js';
import type { StoreFixture } from './store.fixture.js';

const ids = async (store: NotificationStore, user: string, query: Partial<InboxQuery> = {}) =>
  (await store.inbox(user, { limit: 50, ...query })).items.map((item) => item.id);
const flagsOf = async (store: NotificationStore, user: string, query: Partial<InboxQuery> = {}) =>
  (await store.inbox(user, { limit: 50, ...query })).items.map(({ id, seen, read, archived }) => ({ id, seen, read, archived }));
const markRead = (store: NotificationStore, user: string, selection: ReadSelection) => store.mark(user, selection, { read: true });
const entry = (id: string, seen: boolean, read: boolean, archived: boolean) => ({ id, seen, read, archived });

/** The inbox of personal topics: flags, counts, filters, paging, deletion, and its retention. */
export function describeInbox(fixture: StoreFixture): void {
  describe('inbox', () => {
    it('holds personal notifications, unseen, unread and not archived, newest first; other topics stay out', async () => {
      const store = await fixture.fresh();
      const [first] = await appendEach(store, [draft('user:alice', 'one', { n: 1 }), draft('broadcast'), draft('user:bob')]);
      const [second] = await appendEach(store, [draft('user:alice', 'two')]);

      const page = await store.inbox('alice', { limit: 50 });
      expect(page.items.map(({ id, topic, type, payload, seen, read, archived }) => ({ id, topic, type, payload, seen, read, archived }))).toEqual([
        { id: second, topic: 'user:alice', type: 'two', payload: {}, seen: false, read: false, archived: false },
        { id: first, topic: 'user:alice', type: 'one', payload: { n: 1 }, seen: false, read: false, archived: false },
      ]);
      expect(page.items[0].createdAt).toEqual(expect.any(String));
      expect(page).toMatchObject({ unreadCount: 2, unseenCount: 2, nextCursor: null });
      // The personal topic is also a topic with history.
      expect((await store.readLatest('user:alice', 10)).map((n) => n.id)).toEqual([first, second]);
    });

    it('pages with before and nextCursor, null on the last page', async () => {
      const store = await fixture.fresh();
      const sent = await appendEach(store, [1, 2, 3, 4, 5].map(() => draft('user:alice')));
      const newestFirst = [...sent].reverse();

      const first = await store.inbox('alice', { limit: 2 });
      expect(first.items.map((i) => i.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.nextCursor).toBe(newestFirst[1]);
      const second = await store.inbox('alice', { limit: 2, before: first.nextCursor! });
      expect(second.items.map((i) => i.id)).toEqual(newestFirst.slice(2, 4));
      const last = await store.inbox('alice', { limit: 2, before: second.nextCursor! });
      expect(last.items.map((i) => i.id)).toEqual(newestFirst.slice(4));
      expect(last.nextCursor).toBeNull();
      // A page that ends exactly at the oldest item is the last page.
      expect((await store.inbox('alice', { limit: 5 })).nextCursor).toBeNull();
    });

    it('filters unreadOnly, with paging over unread items only', async () => {
      const store = await fixture.fresh();
      const sent = await appendEach(store, [1, 2, 3, 4].map(() => draft('user:alice')));
      await markRead(store, 'alice', { ids: [sent[1], sent[3]] });

      expect(await ids(store, 'alice', { unreadOnly: true })).toEqual([sent[2], sent[0]]);
      const page = await store.inbox('alice', { unreadOnly: true, limit: 1 });
      expect(page.items.map((i) => i.id)).toEqual([sent[2]]);
      expect(page.nextCursor).toBe(sent[2]);
      const next = await store.inbox('alice', { unreadOnly: true, limit: 1, before: page.nextCursor! });
      expect(next.items.map((i) => [i.id, i.read])).toEqual([[sent[0], false]]);
      expect(next.nextCursor).toBeNull();
      expect((await store.inbox('alice', { limit: 50 })).items.map((i) => i.read)).toEqual([true, false, true, false]);
    });

    it('filters unseenOnly, archived (only those, or only the others) and types, together and with paging', async () => {
      const store = await fixture.fresh();
      const [a, b, c, d, e] = await appendEach(store, [
        draft('user:alice', 'order.shipped'),
        draft('user:alice', 'comment'),
        draft('user:alice', 'order.shipped'),
        draft('user:alice', 'mention'),
        draft('user:alice', 'order.shipped'),
      ]);
      await store.mark('alice', { ids: [a, b] }, { seen: true });
      await store.mark('alice', { ids: [c, d] }, { archived: true });

      expect(await ids(store, 'alice')).toEqual([e, b, a]);
      expect(await ids(store, 'alice', { archived: true })).toEqual([d, c]);
      expect(await ids(store, 'alice', { unseenOnly: true })).toEqual([e]);
      expect(await ids(store, 'alice', { unseenOnly: true, archived: true })).toEqual([d, c]);
      expect(await ids(store, 'alice', { types: ['order.shipped'] })).toEqual([e, a]);
      expect(await ids(store, 'alice', { types: ['order.shipped', 'mention'], archived: true })).toEqual([d, c]);
      expect(await ids(store, 'alice', { types: ['comment'], unreadOnly: true })).toEqual([b]);
      expect(await ids(store, 'alice', { types: [] })).toEqual([e, b, a]);
      expect(await ids(store, 'alice', { types: ['nothing.like.it'] })).toEqual([]);

      const page = await store.inbox('alice', { types: ['order.shipped'], limit: 1 });
      expect([page.items.map((i) => i.id), page.nextCursor]).toEqual([[e], e]);
      const next = await store.inbox('alice', { types: ['order.shipped'], limit: 1, before: e });
      expect([next.items.map((i) => i.id), next.nextCursor]).toEqual([[a], null]);
      // Counts leave archived entries out, whatever the filter.
      expect(next).toMatchObject({ unreadCount: 3, unseenCount: 1 });
    });

    it('refuses a malformed cursor or one from another epoch with InvalidCursorError', async () => {
      const store = await fixture.fresh();
      await appendEach(store, [draft('user:alice')]);

      for (const before of ['garbage', `${store.epoch}-`, foreignId(store, 1)]) {
        await expect(store.inbox('alice', { limit: 10, before })).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });

    it('answers an empty page and zero counts for a user who never received anything', async () => {
      const store = await fixture.fresh();
      await appendEach(store, [draft('user:alice')]);

      expect(await store.inbox('nobody', { limit: 10 })).toEqual({ items: [], unreadCount: 0, unseenCount: 0, nextCursor: null });
      expect(await store.counts('nobody')).toEqual({ unread: 0, unseen: 0 });
      expect(await store.mark('nobody', { all: true }, { read: true })).toEqual({ updated: 0, unread: 0, unseen: 0, countsChanged: false });
      expect(await store.deleteFromInbox('nobody', 'zzzzzzzzzz-1')).toEqual({ deleted: false, unread: 0, unseen: 0, countsChanged: false });
    });
  });

  describe('marking and counts', () => {
    it('marks ids read (and so seen), ignoring ids that are unknown, malformed or not the user’s, counting entries that changed', async () => {
      const store = await fixture.fresh();
      const [a1, b1, a2, a3, pub] = await appendEach(store, ['user:alice', 'user:bob', 'user:alice', 'user:alice', 'news'].map((t) => draft(t)));

      expect(await markRead(store, 'alice', { ids: [a1, a2, b1, pub, 'junk', foreignId(store, 1), `${store.epoch}-999999`] })).toEqual({
        updated: 2,
        unread: 1,
        unseen: 1,
        countsChanged: true,
      });
      expect(await markRead(store, 'alice', { ids: [a1, a1, a3] })).toEqual({ updated: 1, unread: 0, unseen: 0, countsChanged: true });
      expect(await markRead(store, 'alice', { ids: [a1] })).toEqual({ updated: 0, unread: 0, unseen: 0, countsChanged: false });
      expect(await store.counts('bob')).toEqual({ unread: 1, unseen: 1 });
      expect(await flagsOf(store, 'bob')).toEqual([entry(b1, false, false, false)]);
    });

    it('marks all read', async () => {
      const store = await fixture.fresh();
      const [a1] = await appendEach(store, [draft('user:alice'), draft('user:alice'), draft('user:alice'), draft('user:bob')]);
      await markRead(store, 'alice', { ids: [a1] });

      expect(await markRead(store, 'alice', { all: true })).toEqual({ updated: 2, unread: 0, unseen: 0, countsChanged: true });
      expect(await markRead(store, 'alice', { all: true })).toEqual({ updated: 0, unread: 0, unseen: 0, countsChanged: false });
      expect(await store.counts('bob')).toEqual({ unread: 1, unseen: 1 });
    });

    it('keeps read implying seen: seen alone, seen false clears read, read false keeps seen, read true wins over seen false', async () => {
      const store = await fixture.fresh();
      const [a, b, c] = await appendEach(store, [draft('user:alice'), draft('user:alice'), draft('user:alice')]);

      expect(await store.mark('alice', { all: true }, { seen: true })).toEqual({ updated: 3, unread: 3, unseen: 0, countsChanged: true });
      expect(await store.mark('alice', { ids: [a, b] }, { read: true })).toEqual({ updated: 2, unread: 1, unseen: 0, countsChanged: true });
      expect(await store.mark('alice', { ids: [a] }, { read: false })).toEqual({ updated: 1, unread: 2, unseen: 0, countsChanged: true });
      expect(await store.mark('alice', { ids: [b] }, { seen: false })).toEqual({ updated: 1, unread: 3, unseen: 1, countsChanged: true });
      expect(await flagsOf(store, 'alice')).toEqual([entry(c, true, false, false), entry(b, false, false, false), entry(a, true, false, false)]);
      expect(await store.mark('alice', { ids: [b] }, { seen: false, read: true })).toEqual({ updated: 1, unread: 2, unseen: 0, countsChanged: true });
      expect(await flagsOf(store, 'alice')).toEqual([entry(c, true, false, false), entry(b, true, true, false), entry(a, true, false, false)]);
      // Nothing asked, nothing changed.
      expect(await store.mark('alice', { all: true }, {})).toEqual({ updated: 0, unread: 2, unseen: 0, countsChanged: false });
    });

    it('leaves archived entries out of the counts, and counts them again once unarchived', async () => {
      const store = await fixture.fresh();
      const [a, b, c] = await appendEach(store, [draft('user:alice'), draft('user:alice'), draft('user:alice')]);
      await markRead(store, 'alice', { ids: [c] });

      expect(await store.mark('alice', { ids: [a, c] }, { archived: true })).toEqual({ updated: 2, unread: 1, unseen: 1, countsChanged: true });
      // Archiving a read entry changes no count.
      expect(await store.mark('alice', { ids: [b] }, { read: true })).toEqual({ updated: 1, unread: 0, unseen: 0, countsChanged: true });
      expect(await store.mark('alice', { ids: [b] }, { archived: true })).toEqual({ updated: 1, unread: 0, unseen: 0, countsChanged: false });
      // Reading an archived entry changes no count either.
      expect(await store.mark('alice', { ids: [a] }, { seen: true })).toEqual({ updated: 1, unread: 0, unseen: 0, countsChanged: false });
      expect(await store.mark('alice', { all: true }, { archived: false })).toEqual({ updated: 3, unread: 1, unseen: 0, countsChanged: true });
      expect(await flagsOf(store, 'alice')).toEqual([entry(c, true, true, false), entry(b, true, true, false), entry(a, true, false, false)]);
      expect(await store.counts('alice')).toEqual({ unread: 1, unseen: 0 });
    });

    it('answers each recipient’s counts after the append, new entries adding to both', async () => {
      const store = await fixture.fresh();
      const [first] = await appendEach(store, [draft('user:alice')]);
      await store.mark('alice', { ids: [first] }, { seen: true });
      const result = await store.append([draft('user:alice'), draft('user:bob'), draft('user:alice'), draft('news')]);

      expect(result.inboxCounts).toEqual(new Map([['alice', { unread: 3, unseen: 2 }], ['bob', { unread: 1, unseen: 1 }]]));
      expect(await store.counts('alice')).toEqual({ unread: 3, unseen: 2 });
      expect((await store.append([draft('news')])).inboxCounts).toEqual(new Map());
    });

    it('keeps the counts of a long inbox right through marks of all of it and of some of it', async () => {
      const store = await fixture.fresh();
      const sent = await appendEach(store, Array.from({ length: 30 }, (_, n) => draft('user:alice', n % 3 === 0 ? 'three' : 'other')));
      await store.mark('alice', { ids: sent.filter((_, n) => n % 2 === 0) }, { seen: true });
      await store.mark('alice', { ids: sent.filter((_, n) => n % 5 === 0) }, { read: true });
      await store.mark('alice', { ids: sent.filter((_, n) => n % 3 === 0) }, { archived: true });

      // Recounted from the entries themselves, the counters must agree.
      const all = [...(await store.inbox('alice', { limit: 100 })).items, ...(await store.inbox('alice', { limit: 100, archived: true })).items];
      expect(all).toHaveLength(30);
      const counted = all.filter((item) => !item.archived);
      expect(await store.counts('alice')).toEqual({
        unread: counted.filter((item) => !item.read).length,
        unseen: counted.filter((item) => !item.seen).length,
      });
      expect(all.every((item) => !item.read || item.seen)).toBe(true);
    });
  });

  describe('deletion', () => {
    it('removes one entry from the inbox, its topic history and the counts; answers whether it was there', async () => {
      const store = await fixture.fresh();
      const [a, b, c, bobs] = await appendEach(store, [draft('user:alice'), draft('user:alice'), draft('user:alice'), draft('user:bob')]);
      await markRead(store, 'alice', { ids: [a] });
      await store.mark('alice', { ids: [c] }, { archived: true });

      expect(await store.deleteFromInbox('alice', b)).toEqual({ deleted: true, unread: 0, unseen: 0, countsChanged: true });
      expect(await store.deleteFromInbox('alice', b)).toEqual({ deleted: false, unread: 0, unseen: 0, countsChanged: false });
      // A read entry and an archived one leave the counts as they were.
      expect(await store.deleteFromInbox('alice', a)).toEqual({ deleted: true, unread: 0, unseen: 0, countsChanged: false });
      expect(await ids(store, 'alice')).toEqual([]);
      expect(await ids(store, 'alice', { archived: true })).toEqual([c]);
      expect((await store.readLatest('user:alice', 10)).map((n) => n.id)).toEqual([c]);

      for (const id of [bobs, 'junk', foreignId(store, 4)]) {
        expect(await store.deleteFromInbox('alice', id)).toMatchObject({ deleted: false, countsChanged: false });
      }
      expect(await ids(store, 'bob')).toEqual([bobs]);
      expect(await store.counts('bob')).toEqual({ unread: 1, unseen: 1 });
    });
  });

  describe('inbox retention', () => {
    it('never prunes an unread entry; read entries follow the topic rules', async () => {
      const store = await fixture.fresh({ historyLimit: 2 });
      const sent = await appendEach(store, [1, 2, 3, 4, 5].map(() => draft('user:alice')));
      await markRead(store, 'alice', { ids: [sent[0], sent[1], sent[3]] });
      await store.prune();

      // sent[2] is beyond the limit but unread: it stays, while the read sent[0] and sent[1] go.
      expect(await ids(store, 'alice')).toEqual([sent[4], sent[3], sent[2]]);
      const history = await store.readSince('user:alice', sent[0], 10);
      expect(history.recovered).toBe(false);
      expect(history.items.map((n) => n.id)).toEqual(sent.slice(2));
      expect((await store.readSince('user:alice', sent[1], 10)).recovered).toBe(true);

      await markRead(store, 'alice', { all: true });
      await store.prune();
      expect(await ids(store, 'alice')).toEqual([sent[4], sent[3]]);
      expect((await store.readSince('user:alice', sent[1], 10)).recovered).toBe(false);
      expect(await store.counts('alice')).toEqual({ unread: 0, unseen: 0 });
    });

    it('prunes an archived entry by the topic rules even when unread, and the counts stay right', async () => {
      const store = await fixture.fresh({ historyLimit: 1 });
      const sent = await appendEach(store, [1, 2, 3].map(() => draft('user:alice')));
      await store.mark('alice', { ids: [sent[0]] }, { archived: true });
      await store.prune();

      expect(await ids(store, 'alice', { archived: true })).toEqual([]);
      expect(await ids(store, 'alice')).toEqual([sent[2], sent[1]]);
      expect(await store.counts('alice')).toEqual({ unread: 2, unseen: 2 });
    });
  });
}
