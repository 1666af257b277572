import { afterEach, jest } from '@jest/globals';
import { formatNotificationId, parseNotificationId } from '../../src/notifications/store/notification-id.js';
import type { StoreQueueOptions } from '../../src/notifications/store/group-commit.queue.js';
import type { AppendItem, NotificationStore } from '../../src/notifications/store/notification-store.js';
import type { RetentionPolicy } from '../../src/notifications/store/retention-policy.js';

/** Opens a fresh, empty store (open() already called) with the given retention and commit queue bound. */
export type OpenStore = (retention: RetentionPolicy, queue: StoreQueueOptions) => Promise<NotificationStore>;

/** Opens stores for one test and closes them after it. */
export interface StoreFixture {
  fresh(retention?: Partial<RetentionPolicy>, queue?: StoreQueueOptions): Promise<NotificationStore>;
  /** Closes a store now; the fixture will not close it again. */
  close(store: NotificationStore): Promise<void>;
}

const DEFAULT_RETENTION: RetentionPolicy = { historyLimit: 1000, historyTtlS: 0 };

/** Registers the afterEach that closes every store a test opened and restores the real clock. */
export function storeFixture(open: OpenStore): StoreFixture {
  let opened: NotificationStore[] = [];
  afterEach(async () => {
    jest.useRealTimers();
    const closing = opened;
    opened = [];
    await Promise.all(closing.map((store) => store.close()));
  });
  return {
    async fresh(retention = {}, queue = {}) {
      const store = await open({ ...DEFAULT_RETENTION, ...retention }, queue);
      opened.push(store);
      return store;
    },
    async close(store) {
      opened = opened.filter((candidate) => candidate !== store);
      await store.close();
    },
  };
}

/**
 * Freezes `Date` (only: timers keep running) at `at` ms, so retention can be driven without
 * waiting. Stores must therefore stamp and compare times through `Date`.
 */
export function setClock(at: number): void {
  jest.useFakeTimers({
    now: at,
    doNotFake: [
      'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame',
      'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval',
      'clearInterval', 'setTimeout', 'clearTimeout',
    ],
  });
}

export const draft = (topic: string, type = 'test.event', payload?: Record<string, unknown>): AppendItem =>
  payload === undefined ? { topic, type } : { topic, type, payload };

/** A payload JSON cannot serialize: the append carrying it must fail as a whole. */
export function unserializable(): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  payload.self = payload;
  return payload;
}

/** The seq of an id this suite's stores issued. */
export function seqOf(id: string): number {
  const position = parseNotificationId(id);
  if (!position) throw new Error(`not a notification id: ${id}`);
  return position.seq;
}

/** A well-formed id of the same seq from an epoch the store never had. */
export function foreignId(store: NotificationStore, seq = 1): string {
  return formatNotificationId(store.epoch === 'zz0foreign' ? 'zz1foreign' : 'zz0foreign', seq);
}

/** Appends items one request at a time, in order; answers the ids. */
export async function appendEach(store: NotificationStore, items: AppendItem[]): Promise<string[]> {
  const ids: string[] = [];
  for (const item of items) ids.push(...(await store.append([item])).accepted.map((a) => a.id));
  return ids;
}
