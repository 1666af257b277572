import { expect } from '@jest/globals';
import { formatNotificationId } from '../../src/notifications/store/notification-id.js';
import type { NotificationStore } from '../../src/notifications/store/notification-store.js';
import { draft } from './store.fixture.js';

/**
 * What a store migrated from the schema before inbox flags holds, whatever its backend. The data
 * before it: seqs 1-6 of type `legacy.item` with payload `{seq}`; alice's 1 (read), 2, 5 and
 * bob's 4, 6 (read) personal, 3 on `news`; `createdAt(seq)` is when each was created.
 */
export async function expectLegacyInboxMigrated(store: NotificationStore, createdAt: (seq: number) => Date): Promise<void> {
  const id = (seq: number) => formatNotificationId(store.epoch, seq);
  expect(await store.inbox('alice', { limit: 10 })).toEqual({
    items: [5, 2, 1].map((seq) => ({
      id: id(seq),
      topic: 'user:alice',
      type: 'legacy.item',
      payload: { seq },
      createdAt: createdAt(seq).toISOString(),
      seen: seq === 1,
      read: seq === 1,
      archived: false,
    })),
    unreadCount: 2,
    unseenCount: 2,
    nextCursor: null,
  });
  expect((await store.inbox('bob', { limit: 10 })).items.map(({ id, seen, read }) => ({ id, seen, read }))).toEqual([
    { id: id(6), seen: true, read: true },
    { id: id(4), seen: false, read: false },
  ]);
  expect(await store.counts('bob')).toEqual({ unread: 1, unseen: 1 });
  expect((await store.readLatest('news', 10)).map((n) => n.id)).toEqual([id(3)]);

  // The migrated inbox works like a new one: the flags and counters move together.
  expect(await store.mark('alice', { all: true }, { seen: true })).toEqual({ updated: 2, unread: 2, unseen: 0, countsChanged: true });
  const { accepted, inboxCounts } = await store.append([draft('user:alice')]);
  expect(accepted[0].id).toBe(id(7));
  expect(inboxCounts.get('alice')).toEqual({ unread: 3, unseen: 1 });
}
