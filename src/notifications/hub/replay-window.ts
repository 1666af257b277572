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
}

/**
 * Measures the window: walks the topic from `since` a page at a time, keeping only ids (the newest
 * `limit` + 1), so that a gap of any size costs a page of memory. It stops at the topic's newest id
 * when the walk began: what comes after is live, and a busy topic cannot keep the walk going.
 */
export async function measureReplay(store: NotificationStore, topic: string, since: string, limit: number): Promise<ReplayWindow> {
  const newest = (await store.newestIds([topic])).get(topic);
  const newestSeq = newest === undefined ? 0 : seqOf(newest);
  const ids: string[] = [];
  let count = 0;
  let retained = true;
  for (let cursor = since, first = true; ; first = false) {
    const page = await store.readSince(topic, cursor, REPLAY_PAGE);
    if (first) retained = page.recovered;
    const items = page.items.filter((notification) => seqOf(notification.id) <= newestSeq);
    count += items.length;
    for (const { id } of items) ids.push(id);
    // Trimmed in bulk, not per id: the newest limit + 1 are all the cut needs.
    if (ids.length > 2 * (limit + 1)) ids.splice(0, ids.length - (limit + 1));
    if (items.length < REPLAY_PAGE) break;
    cursor = items[items.length - 1].id;
  }
  const cut = count > limit;
  return {
    after: cut ? ids[ids.length - limit - 1] : since,
    last: count > 0 ? ids[ids.length - 1] : null,
    count: Math.min(count, limit),
    retained,
    cut,
  };
}

/** The window's notifications, oldest first, read a page at a time as the caller asks for them. */
export async function* readWindow(store: NotificationStore, topic: string, window: ReplayWindow): AsyncGenerator<Notification> {
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
