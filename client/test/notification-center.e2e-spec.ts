import { WebSocket } from 'ws';
import { startApp } from '../../test/support/start-app.js';
import { NotificationsClient, createInbox, type Inbox } from '../src/index.js';
import { nextEvent, until } from './support/client-probe.js';
import { publish } from './support/rest-publisher.js';

const running = await startApp({ store: 'memory' });
afterAll(() => running.close());

describe('the notification center through the client', () => {
  const clients: NotificationsClient[] = [];
  const inboxes: Inbox[] = [];
  const connect = (user: string): NotificationsClient => {
    const client = new NotificationsClient({ url: running.wsUrl, user, WebSocket });
    clients.push(client);
    return client;
  };
  const send = async (user: string, n: number): Promise<string> => {
    const [sent] = await publish(running.baseUrl, { type: 'comment.added', payload: { n }, userIds: [user] });
    return sent.id;
  };
  afterEach(() => {
    inboxes.splice(0).forEach((inbox) => inbox.destroy());
    clients.splice(0).forEach((client) => client.close());
  });

  describe('on a service of contract 1.2', () => {
    it('pages the inbox, marks seen, read and archived, and follows counts', async () => {
      const ids = [await send('ivy', 1), await send('ivy', 2), await send('ivy', 3)];
      const client = connect('ivy');
      const counted = nextEvent(client, 'counts', ({ unread }) => unread === 3);
      client.connect();
      expect(await counted).toEqual({ unread: 3, unseen: 3 });

      const first = await client.inbox({ limit: 2 });
      expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
      expect(first.items[0]).toMatchObject({ seen: false, read: false, archived: false, type: 'comment.added' });
      const second = await client.inbox({ limit: 2, before: first.nextCursor! });
      expect(second).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null, unread: 3, unseen: 3 });

      expect(await client.mark([ids[0]], { seen: true })).toEqual({ unread: 3, unseen: 2 });
      expect(await client.mark([ids[1]], { read: true })).toEqual({ unread: 2, unseen: 1 });
      expect(await client.mark([ids[2]], { archived: true })).toEqual({ unread: 1, unseen: 0 });
      expect(client.counts).toEqual({ unread: 1, unseen: 0 });
      expect((await client.inbox()).items.map((item) => item.id)).toEqual([ids[1], ids[0]]);
      await expect(client.mark('all', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('keeps a createInbox store in step with the service: pages, live notifications, counts and marks', async () => {
      const older = [];
      for (const n of [1, 2, 3, 4, 5]) older.push(await send('jay', n));
      const client = connect('jay');
      const inbox = createInbox(client, { pageSize: 2 });
      inboxes.push(inbox);
      const ids = () => inbox.getSnapshot().items.map((item) => item.id);
      client.connect();
      await until(() => ids().length === 2 && !inbox.getSnapshot().loading, 'the first page');
      expect(ids()).toEqual([older[4], older[3]]);
      await inbox.loadMore();
      await inbox.loadMore();
      expect(ids()).toEqual([...older].reverse());
      expect(inbox.getSnapshot()).toMatchObject({ hasMore: false, connection: 'open', counts: { unread: 5, unseen: 5 }, error: null });

      const live = await send('jay', 6);
      await until(() => ids()[0] === live && inbox.getSnapshot().counts.unread === 6, 'the live notification on top, counted');
      await inbox.markRead([live]);
      expect(inbox.getSnapshot().items[0]).toMatchObject({ id: live, read: true, seen: true });
      expect(inbox.getSnapshot().counts).toEqual({ unread: 5, unseen: 5 });
      await inbox.archive([older[0]]);
      expect(ids()).not.toContain(older[0]);
      await inbox.markAllRead();
      expect(inbox.getSnapshot().counts).toEqual({ unread: 0, unseen: 0 });
      expect(inbox.getSnapshot().items.every((item) => item.read && item.seen)).toBe(true);
    });
  });
});
