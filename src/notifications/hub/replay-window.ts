import type { Notification } from '../notification.model.js';
import { seqOf } from '../store/notification-id.js';
import type { NotificationStore } from '../store/notification-store.js';

/** Notifications read from the store at a time: a replay never holds more than a page of them. */
export const REPLAY_PAGE = 100;

/** What one `subscribe {since}` replays: the newest `limit` notifications after `since`, as the store had them. */
export interface ReplayWindow {
  /** The replay starts after this id: `since`, or the one before the newest `limit` when more were missed. */
  after: string;
  /** The newest id in the window (null when it is empty): later ones arrive live. */
  last: string | null;
  count: number;
  /** False when the store lost notifications after `since` (unknown `since`, retention). */
  retained: boolean;
  /** True when more than `limit` were missed: the oldest of them are left to REST. */
  cut: boolean;
  /** The window's notifications, when the read that measured it returned all of them. */
  items?: Notification[];
}

/**
 * Measures the window and whether the store kept everything after `since`. A first read of up to
 * a page after `since` settles both when the gap fits in it (the common case: one read, whose
 * notifications the replay then writes); a longer gap is measured from the newest `limit` + 1 ids
 * (ids alone, whatever its size). The newest id at that moment bounds the window: what comes after
 * it is live.
 */
export async function measureReplay(store: NotificationStore, topic: string, since: string, limit: number): Promise<ReplayWindow> {
  const probe = Math.min(limit, REPLAY_PAGE);
  const { items, recovered: retained } = await store.readSince(topic, since, probe + 1);
  if (items.length <= probe) {
    return { after: since, last: items.at(-1)?.id ?? null, count: items.length, retained, cut: false, items };
  }
  const newest = await store.newestIdsSince(topic, since, limit + 1);
  const cut = newest.length > limit;
  return {
    after: cut ? newest[limit] : since,
    last: newest[0] ?? null,
    count: Math.min(newest.length, limit),
    retained,
    cut,
  };
}

/** The window's notifications, oldest first, read a page at a time as the caller asks for them. */
export async function* readWindow(store: NotificationStore, topic: string, window: ReplayWindow): AsyncGenerator<Notification> {
  if (window.items) return yield* window.items;
  const lastSeq = window.last === null ? 0 : seqOf(window.last);
  let left = window.count;
  for (let cursor = window.after; left > 0; ) {
    const wanted = Math.min(REPLAY_PAGE, left);
    const { items } = await store.readSince(topic, cursor, wanted);
    for (const notification of items) {
      if (seqOf(notification.id) > lastSeq) return;
      yield notification;
    }
    if (items.length < wanted) return;
    left -= items.length;
    cursor = items[items.length - 1].id;
  }
}
