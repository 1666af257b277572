import { ClientEvents, type ClientEventMap, type ConnectionState } from './client-events.js';
import { createInbox } from './inbox.store.js';
import type { CountsData, InboxItem, InboxPage, InboxQuery, MarkFlags, Notification, WelcomeData } from './protocol-frames.js';

interface Deferred<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** A client double: the test pushes the frames' events and answers `inbox` and `mark` by hand. */
class FakeClient extends ClientEvents {
  state: ConnectionState = 'idle';
  welcome: WelcomeData | null = null;
  counts: CountsData | null = null;
  unreadCount = 0;
  readonly inboxCalls: { query: InboxQuery; reply: Deferred<InboxPage> }[] = [];
  readonly markCalls: { target: string[] | 'all'; flags: MarkFlags; reply: Deferred<CountsData> }[] = [];

  push<E extends keyof ClientEventMap>(event: E, payload: ClientEventMap[E]): void {
    this.emit(event, payload);
  }

  open(userId: string): void {
    this.state = 'open';
    this.welcome = { connectionId: 'c1', userId, heartbeatMs: 30_000 };
    this.push('state', { state: 'open', previous: 'connecting' });
    this.push('welcome', this.welcome);
  }

  inbox(query: InboxQuery = {}): Promise<InboxPage> {
    return new Promise((resolve, reject) => this.inboxCalls.push({ query, reply: { resolve, reject } }));
  }

  mark(target: string[] | 'all', flags: MarkFlags): Promise<CountsData> {
    return new Promise((resolve, reject) => this.markCalls.push({ target, flags, reply: { resolve, reject } }));
  }
}

const notification = (id: string, topic = 'user:ada'): Notification => ({
  id,
  topic,
  type: 'comment.added',
  payload: { id },
  createdAt: '2026-01-01T00:00:00.000Z',
});
const entry = (id: string, flags: Partial<InboxItem> = {}): InboxItem => ({
  ...notification(id),
  seen: false,
  read: false,
  archived: false,
  ...flags,
});
const page = (ids: string[], nextCursor: string | null, counts: CountsData = { unread: 9, unseen: 9 }): InboxPage => ({
  items: ids.map((id) => entry(id)),
  nextCursor,
  ...counts,
});
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const ids = (inbox: ReturnType<typeof createInbox>): string[] => inbox.getSnapshot().items.map((item) => item.id);

describe('createInbox', () => {
  let client: FakeClient;
  let inbox: ReturnType<typeof createInbox>;

  beforeEach(() => {
    client = new FakeClient();
    inbox = createInbox(client, { pageSize: 3 });
  });
  afterEach(() => inbox.destroy());

  it('loads the first page once connected, then puts live notifications of the personal topic on top', async () => {
    expect(inbox.getSnapshot()).toMatchObject({ items: [], connection: 'idle', loading: false, hasMore: true });
    client.open('ada');
    expect(inbox.getSnapshot()).toMatchObject({ connection: 'open', loading: true });
    expect(client.inboxCalls.map((call) => call.query)).toEqual([{ limit: 3 }]);
    client.inboxCalls[0].reply.resolve(page(['n5', 'n4', 'n3'], 'n3', { unread: 5, unseen: 4 }));
    await settle();
    expect(ids(inbox)).toEqual(['n5', 'n4', 'n3']);
    expect(inbox.getSnapshot()).toMatchObject({ loading: false, hasMore: true, counts: { unread: 5, unseen: 4 } });

    client.push('notification', notification('n6'));
    client.push('notification', notification('n7'));
    client.push('notification', notification('b1', 'broadcast'));
    client.push('notification', notification('x1', 'user:bob'));
    expect(ids(inbox)).toEqual(['n7', 'n6', 'n5', 'n4', 'n3']);
    expect(inbox.getSnapshot().items[0]).toMatchObject({ id: 'n7', seen: false, read: false, archived: false });
  });

  it('shows a notification replayed after a reconnect, or both live and paged, once', async () => {
    client.open('ada');
    client.push('notification', notification('n4'));
    client.inboxCalls[0].reply.resolve(page(['n4', 'n3', 'n2'], 'n2'));
    await settle();
    expect(ids(inbox)).toEqual(['n4', 'n3', 'n2']);
    // A reconnect replays from the last id the client saw: n3 and n4 again, then the new n5.
    client.open('ada');
    for (const id of ['n3', 'n4', 'n5']) client.push('notification', notification(id));
    expect(ids(inbox)).toEqual(['n5', 'n4', 'n3', 'n2']);
    expect(client.inboxCalls).toHaveLength(1);
  });

  it('pages older items with the previous cursor until the last page, one request at a time', async () => {
    client.open('ada');
    client.inboxCalls[0].reply.resolve(page(['n9', 'n8', 'n7'], 'n7'));
    await settle();
    const first = inbox.loadMore();
    const second = inbox.loadMore();
    expect(client.inboxCalls.map((call) => call.query)).toEqual([{ limit: 3 }, { limit: 3, before: 'n7' }]);
    expect(inbox.getSnapshot().loading).toBe(true);
    client.inboxCalls[1].reply.resolve(page(['n6', 'n5', 'n4'], 'n4'));
    await Promise.all([first, second]);
    const third = inbox.loadMore();
    expect(client.inboxCalls[2].query).toEqual({ limit: 3, before: 'n4' });
    client.inboxCalls[2].reply.resolve(page(['n3'], null, { unread: 2, unseen: 1 }));
    await third;
    expect(ids(inbox)).toEqual(['n9', 'n8', 'n7', 'n6', 'n5', 'n4', 'n3']);
    expect(inbox.getSnapshot()).toMatchObject({ hasMore: false, loading: false, counts: { unread: 2, unseen: 1 } });
    await inbox.loadMore();
    expect(client.inboxCalls).toHaveLength(3);
  });

  it('keeps a page that failed as an error, and loads again on the next connection', async () => {
    client.open('ada');
    client.inboxCalls[0].reply.reject(new Error('connection closed (1006)'));
    await settle();
    expect(inbox.getSnapshot()).toMatchObject({ loading: false, error: new Error('connection closed (1006)') });
    client.open('ada');
    client.inboxCalls[1].reply.resolve(page(['n1'], null));
    await settle();
    expect(inbox.getSnapshot()).toMatchObject({ error: null, hasMore: false });
    expect(ids(inbox)).toEqual(['n1']);
  });

  it('takes counts from counts frames, from unread frames of older servers, and from mark replies', async () => {
    client.open('ada');
    client.push('counts', { unread: 3, unseen: 2 });
    expect(inbox.getSnapshot().counts).toEqual({ unread: 3, unseen: 2 });
    client.push('unread', { count: 1 });
    expect(inbox.getSnapshot().counts).toEqual({ unread: 1, unseen: 2 });
    const marked = inbox.markAllRead();
    client.markCalls[0].reply.resolve({ unread: 0, unseen: 0 });
    await marked;
    expect(inbox.getSnapshot().counts).toEqual({ unread: 0, unseen: 0 });
  });

  it('marks every item seen, the loaded ones included, when the server confirms markAllSeen', async () => {
    client.open('ada');
    client.inboxCalls[0].reply.resolve(page(['n2', 'n1'], null));
    await settle();
    const seen = inbox.markAllSeen();
    expect(client.markCalls[0]).toMatchObject({ target: 'all', flags: { seen: true } });
    client.markCalls[0].reply.resolve({ unread: 2, unseen: 0 });
    await seen;
    expect(inbox.getSnapshot().items.map((item) => [item.seen, item.read])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect(inbox.getSnapshot().counts).toEqual({ unread: 2, unseen: 0 });
  });

  it('applies marks when the server confirms them: read implies seen, archived leaves the feed for good', async () => {
    client.open('ada');
    client.inboxCalls[0].reply.resolve(page(['n3', 'n2', 'n1'], null));
    await settle();
    const read = inbox.markRead(['n2']);
    expect(inbox.getSnapshot().items[1]).toMatchObject({ read: false, seen: false });
    expect(client.markCalls[0]).toMatchObject({ target: ['n2'], flags: { read: true } });
    client.markCalls[0].reply.resolve({ unread: 2, unseen: 2 });
    await read;
    expect(inbox.getSnapshot().items[1]).toMatchObject({ id: 'n2', read: true, seen: true });

    const seen = inbox.markSeen(['n3']);
    client.markCalls[1].reply.resolve({ unread: 2, unseen: 1 });
    await seen;
    expect(inbox.getSnapshot().items[0]).toMatchObject({ id: 'n3', read: false, seen: true });

    const archived = inbox.archive(['n1']);
    client.markCalls[2].reply.resolve({ unread: 1, unseen: 0 });
    await archived;
    expect(ids(inbox)).toEqual(['n3', 'n2']);
    client.push('notification', notification('n1'));
    expect(ids(inbox)).toEqual(['n3', 'n2']);

    const all = inbox.markAllRead();
    expect(client.markCalls[3]).toMatchObject({ target: 'all', flags: { read: true } });
    client.markCalls[3].reply.resolve({ unread: 0, unseen: 0 });
    await all;
    expect(inbox.getSnapshot().items.every((item) => item.read && item.seen)).toBe(true);
  });

  it('leaves the feed as it was when the server refuses a mark, and says why', async () => {
    client.open('ada');
    client.inboxCalls[0].reply.resolve(page(['n1'], null));
    await settle();
    const read = inbox.markRead(['n1']);
    client.markCalls[0].reply.reject(new Error('RATE_LIMITED: too many commands'));
    await expect(read).resolves.toBeUndefined();
    expect(inbox.getSnapshot()).toMatchObject({ error: new Error('RATE_LIMITED: too many commands') });
    expect(inbox.getSnapshot().items[0]).toMatchObject({ read: false });
  });

  it('gives the same frozen snapshot until something changes, and tells subscribers of each change', async () => {
    const changes: number[] = [];
    const stop = inbox.subscribe(() => changes.push(inbox.getSnapshot().items.length));
    const before = inbox.getSnapshot();
    expect(inbox.getSnapshot()).toBe(before);
    expect(Object.isFrozen(before) && Object.isFrozen(before.items) && Object.isFrozen(before.counts)).toBe(true);
    client.open('ada');
    client.inboxCalls[0].reply.resolve(page([], null, { unread: 0, unseen: 0 }));
    await settle();
    const loaded = inbox.getSnapshot();
    expect(loaded).not.toBe(before);
    client.push('counts', { unread: 0, unseen: 0 });
    client.push('state', { state: 'open', previous: 'open' });
    expect(inbox.getSnapshot()).toBe(loaded);
    client.push('notification', notification('n1'));
    expect(inbox.getSnapshot()).not.toBe(loaded);
    expect(Object.isFrozen(inbox.getSnapshot().items[0])).toBe(true);
    const seen = changes.length;
    stop();
    client.push('notification', notification('n2'));
    expect(changes).toHaveLength(seen);
    expect(changes.at(-1)).toBe(1);
  });

  it('starts over for another user, dropping a page asked for the previous one', async () => {
    client.open('ada');
    client.push('notification', notification('n1'));
    client.open('bob');
    expect(inbox.getSnapshot().items).toEqual([]);
    client.inboxCalls[0].reply.resolve(page(['n1'], null));
    client.inboxCalls[1].reply.resolve({ items: [{ ...entry('m1'), topic: 'user:bob' }], nextCursor: null, unread: 1, unseen: 1 });
    await settle();
    expect(ids(inbox)).toEqual(['m1']);
    client.push('notification', notification('n2'));
    client.push('notification', notification('m2', 'user:bob'));
    expect(ids(inbox)).toEqual(['m2', 'm1']);
  });

  it('stops following the client once destroyed', () => {
    client.open('ada');
    inbox.destroy();
    const last = inbox.getSnapshot();
    client.push('notification', notification('n1'));
    client.push('counts', { unread: 4, unseen: 4 });
    expect(inbox.getSnapshot()).toBe(last);
  });
});
