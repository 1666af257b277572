import type { ConnectionState } from './client-events.js';
import type { CountsData, InboxItem, InboxPage, MarkFlags, Notification } from './protocol-frames.js';
import type { NotificationsClient } from './notifications-client.js';

/** What a view renders: replaced by a new frozen object on every change, never mutated. */
export interface InboxSnapshot {
  /** The user's feed, newest first, one entry per id, archived ones left out. */
  readonly items: readonly Readonly<InboxItem>[];
  readonly counts: Readonly<CountsData>;
  readonly connection: ConnectionState;
  /** A page is being fetched. */
  readonly loading: boolean;
  /** Older pages remain (true until the last page came). */
  readonly hasMore: boolean;
  /** The last action or page that failed; cleared by the next one that succeeds. */
  readonly error: Error | null;
}

/** The part of {@link NotificationsClient} the store uses (a test can pass a double). */
export type InboxSource = Pick<NotificationsClient, 'on' | 'state' | 'welcome' | 'counts' | 'unreadCount' | 'inbox' | 'mark'>;

/** Settings of {@link createInbox}. */
export interface InboxOptions {
  /** Items per `inbox` page, 1 to 100. Default 20. */
  pageSize?: number;
  /** Fetch the first page as soon as the client is connected (and again for another user). Default true. */
  loadOnOpen?: boolean;
}

/** A headless inbox: state in `getSnapshot()`, changes through `subscribe()`, actions that never reject. */
export interface Inbox {
  getSnapshot(): InboxSnapshot;
  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
  /** Fetches the next older page (the first one if none came yet); a call while one is loading joins it. */
  loadMore(): Promise<void>;
  markSeen(ids: string[]): Promise<void>;
  markRead(ids: string[]): Promise<void>;
  markAllRead(): Promise<void>;
  /** What opening the bell does: every unseen item, loaded or not, becomes seen. */
  markAllSeen(): Promise<void>;
  /** Dismisses items from the feed (they stay readable over REST with `archived=true`). */
  archive(ids: string[]): Promise<void>;
  /** Stops listening to the client. */
  destroy(): void;
}

const DEFAULT_PAGE_SIZE = 20;
const NO_COUNTS: CountsData = { unread: 0, unseen: 0 };

/**
 * Keeps a user's feed, counts and connection state from a {@link NotificationsClient}: live
 * `notification`s of the personal topic go on top (deduplicated by id, so one replayed after a
 * reconnect is not shown twice), `loadMore()` appends older pages from `inbox`, and `counts`
 * (or `unread` from servers before contract 1.2) keep the badge. Marks are applied when the
 * server confirms them: the feed never shows a state the server refused.
 *
 * `getSnapshot()` returns the same object until something changes, so React's
 * `useSyncExternalStore(inbox.subscribe, inbox.getSnapshot)`, an Angular signal or a Vue `shallowRef`
 * set from `subscribe` render it as is.
 */
export function createInbox(client: InboxSource, options: InboxOptions = {}): Inbox {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const loadOnOpen = options.loadOnOpen ?? true;
  const listeners = new Set<() => void>();
  /** Ids in the feed, and ids archived here: neither is added again when replayed. */
  const known = new Set<string>();
  let snapshot: InboxSnapshot = freeze({
    items: [],
    counts: { ...(client.counts ?? { ...NO_COUNTS, unread: client.unreadCount }) },
    connection: client.state,
    loading: false,
    hasMore: true,
    error: null,
  });
  let userId: string | null | undefined = client.welcome?.userId;
  let cursor: string | undefined;
  let paging: Promise<void> | null = null;
  /** Bumped when the feed is reset for another user, so that a page asked for the previous one is dropped. */
  let generation = 0;

  const update = (change: Partial<InboxSnapshot>): void => {
    if (unchanged(snapshot, change)) return;
    snapshot = freeze({ ...snapshot, ...change });
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };

  const reset = (): void => {
    generation += 1;
    known.clear();
    cursor = undefined;
    paging = null;
    update({ items: [], hasMore: true, loading: false, error: null });
  };

  const onNotification = (notification: Notification): void => {
    if (userId === null || userId === undefined || notification.topic !== `user:${userId}` || known.has(notification.id)) return;
    known.add(notification.id);
    update({ items: [item({ ...notification, seen: false, read: false, archived: false }), ...snapshot.items] });
  };

  const onPage = (page: InboxPage): void => {
    const older = page.items.filter((entry) => !entry.archived && !known.has(entry.id)).map(item);
    for (const entry of older) known.add(entry.id);
    cursor = page.nextCursor ?? undefined;
    update({
      items: older.length > 0 ? [...snapshot.items, ...older] : snapshot.items,
      counts: { unread: page.unread, unseen: page.unseen },
      hasMore: page.nextCursor !== null,
      loading: false,
      error: null,
    });
  };

  const loadMore = (): Promise<void> => {
    if (paging) return paging;
    if (!snapshot.hasMore) return Promise.resolve();
    const asked = generation;
    update({ loading: true });
    const query = cursor === undefined ? { limit: pageSize } : { limit: pageSize, before: cursor };
    paging = client.inbox(query).then(
      (page) => {
        if (asked !== generation) return;
        paging = null;
        onPage(page);
      },
      (error: unknown) => {
        if (asked !== generation) return;
        paging = null;
        update({ loading: false, error: asError(error) });
      },
    );
    return paging;
  };

  const mark = async (target: string[] | 'all', flags: MarkFlags): Promise<void> => {
    if (target !== 'all' && target.length === 0) return;
    let counts: CountsData;
    try {
      counts = await client.mark(target, flags);
    } catch (error) {
      update({ error: asError(error) });
      return;
    }
    const chosen = target === 'all' ? null : new Set(target);
    const items: Readonly<InboxItem>[] = [];
    for (const entry of snapshot.items) {
      if (chosen && !chosen.has(entry.id)) items.push(entry);
      else if (flags.archived !== true) items.push(item(applyFlags(entry, flags)));
    }
    update({ items, counts: { ...counts }, error: null });
  };

  const unsubscribes = [
    client.on('notification', onNotification),
    client.on('counts', (counts) => update({ counts: { ...counts } })),
    client.on('unread', ({ count }) => update({ counts: { ...snapshot.counts, unread: count } })),
    client.on('state', ({ state }) => update({ connection: state })),
    client.on('welcome', (welcome) => {
      const changed = userId !== undefined && welcome.userId !== userId;
      userId = welcome.userId;
      if (changed) reset();
      if (loadOnOpen && welcome.userId !== null && snapshot.items.length === 0 && cursor === undefined) void loadMore();
    }),
  ];

  if (loadOnOpen && client.state === 'open' && userId) void loadMore();

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    loadMore,
    markSeen: (ids) => mark(ids, { seen: true }),
    markRead: (ids) => mark(ids, { read: true }),
    markAllRead: () => mark('all', { read: true }),
    markAllSeen: () => mark('all', { seen: true }),
    archive: (ids) => mark(ids, { archived: true }),
    destroy() {
      for (const off of unsubscribes) off();
      listeners.clear();
    },
  };
}

/** Reading implies seen (contract 1.2). */
function applyFlags(entry: Readonly<InboxItem>, flags: MarkFlags): InboxItem {
  const next = { ...entry };
  if (flags.seen !== undefined) next.seen = flags.seen;
  if (flags.read !== undefined) next.read = flags.read;
  if (flags.read === true) next.seen = true;
  return next;
}

const item = (entry: InboxItem): Readonly<InboxItem> => Object.freeze({ ...entry });

function freeze(state: InboxSnapshot): InboxSnapshot {
  return Object.freeze({ ...state, items: Object.freeze(state.items), counts: Object.freeze(state.counts) });
}

/** True when applying `change` would leave every field as it is (counts compared by value). */
function unchanged(state: InboxSnapshot, change: Partial<InboxSnapshot>): boolean {
  return (Object.keys(change) as (keyof InboxSnapshot)[]).every((key) =>
    key === 'counts'
      ? change.counts!.unread === state.counts.unread && change.counts!.unseen === state.counts.unseen
      : change[key] === state[key],
  );
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
