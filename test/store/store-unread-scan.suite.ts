import { describe, expect, it } from '@jest/globals';
import type { NotificationStore, StorePosition } from '../../src/notifications/store/notification-store.js';
import { appendEach, draft } from './store.fixture.js';
import type { StoreFixture } from './store.fixture.js';

const FROM_START: StorePosition = { at: 0, seq: 0 };
const LATER = () => Date.now() + 60_000;

/** Every unread personal notification a scan finds from `from` on, page by page, in store order. */
async function scanAll(store: NotificationStore, from: StorePosition, limit: number): Promise<Array<[string, string]>> {
  const found: Array<[string, string]> = [];
  let cursor = from;
  for (;;) {
    const { last, unread } = await store.unreadAfter(cursor, LATER(), limit);
    found.push(...unread.map(({ userId, notification }): [string, string] => [userId, notification.id]));
    if (last === null) return found;
    cursor = last;
  }
}

/** The escalation scan (ESCALATE_AFTER_S): personal notifications still unread, after a cursor. */
export function describeUnreadScan(fixture: StoreFixture): void {
  describe('unread scan', () => {
    it('finds the personal notifications still unread, in order, over pages, and nothing after the last', async () => {
      const store = await fixture.fresh();
      const [a1, a2, , b1, a3, a4] = await appendEach(store, [
        draft('user:alice'),
        draft('user:alice'),
        draft('broadcast'),
        draft('user:bob'),
        draft('user:alice', 'late', { n: 3 }),
        draft('user:alice'),
      ]);
      await store.mark('alice', { ids: [a2] }, { read: true });
      await store.mark('alice', { ids: [a4] }, { archived: true });
      const expected = [
        ['alice', a1],
        ['bob', b1],
        ['alice', a3],
      ];
      expect(await scanAll(store, FROM_START, 100)).toEqual(expected);
      expect(await scanAll(store, FROM_START, 2)).toEqual(expected);

      const { last, unread } = await store.unreadAfter(FROM_START, LATER(), 100);
      expect(unread.at(-1)!.notification).toMatchObject({ id: a3, topic: 'user:alice', type: 'late', payload: { n: 3 } });
      expect(await store.unreadAfter(last!, LATER(), 100)).toEqual({ last: null, unread: [] });
    });

    it('leaves out notifications created after createdBefore, and those created before the cursor position', async () => {
      const store = await fixture.fresh();
      await appendEach(store, [draft('user:alice'), draft('user:bob')]);
      expect(await store.unreadAfter(FROM_START, Date.now() - 60_000, 100)).toEqual({ last: null, unread: [] });
      expect((await store.unreadAfter({ at: Date.now() + 30_000, seq: 0 }, LATER(), 100)).unread).toEqual([]);
    });
  });
}
