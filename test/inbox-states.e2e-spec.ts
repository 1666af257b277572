import { embeddedStores } from './support/embedded-stores.js';
import { http } from './support/http.js';
import { publish } from './support/rest-publish.js';
import { type RunningApp, startApp } from './support/start-app.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const { stores } = embeddedStores('inbox-states-e2e');

interface Flags {
  id: string;
  seen: boolean;
  read: boolean;
  archived: boolean;
}
const flags = (items: Flags[]) => items.map(({ id, seen, read, archived }) => ({ id, seen, read, archived }));
const entry = (id: string, seen: boolean, read: boolean, archived: boolean): Flags => ({ id, seen, read, archived });

/** Inbox states (contract section 11): `mark`, `inbox`, `counts` over real sockets; REST mark, delete and filters. */
describe.each(stores)('inbox states (%s store)', (_name, options) => {
  let running: RunningApp;
  const clients = ClientPool.closedAfterEach();

  const notify = async (userId: string, type = 'inbox.item'): Promise<string> => (await publish(running.baseUrl, { type, userIds: [userId] }))[0].id;
  const notifyMany = async (userId: string, types: string[]): Promise<string[]> => {
    const ids = [];
    for (const type of types) ids.push(await notify(userId, type));
    return ids;
  };
  const inbox = (userId: string, query = '') => http(running.baseUrl, 'GET', `/users/${userId}/notifications${query}`);
  const mark = (userId: string, body: unknown) => http(running.baseUrl, 'POST', `/users/${userId}/notifications/mark`, body);
  const remove = (userId: string, id: string) => http(running.baseUrl, 'DELETE', `/users/${userId}/notifications/${id}`);
  /** A connection of `userId` (anonymous without one) past its greeting frames. */
  const connect = async (userId?: string): Promise<TestClient> => {
    const client = await clients.connect(userId === undefined ? running.wsUrl : `${running.wsUrl}?user=${userId}`);
    if (userId !== undefined) await countsPushed(client, 1);
    return client;
  };
  /** Takes the `unread` and `counts` frames of `times` count changes off a client's queue. */
  const countsPushed = async (client: TestClient, times: number): Promise<void> => {
    for (let n = 0; n < times; n++) {
      await client.next('unread');
      await client.next('counts');
    }
  };

  beforeAll(async () => {
    running = await startApp(options);
  });
  afterAll(() => running.close());

  describe('the counts frame', () => {
    it('follows welcome, beside unread, with the counts as they stand', async () => {
      const ids = await notifyMany('abel', ['a', 'b', 'c']);
      await mark('abel', { ids: [ids[0]], seen: true });
      await mark('abel', { ids: [ids[1]], archived: true });
      const client = await clients.open(`${running.wsUrl}?user=abel`);
      expect((await client.next()).event).toBe('welcome');
      expect(await client.next()).toEqual({ event: 'unread', data: { count: 2 } });
      expect(await client.next()).toEqual({ event: 'counts', data: { unread: 2, unseen: 1 } });
    });

    it('is not sent to an anonymous connection', async () => {
      const client = await connect();
      await client.expectNone('counts');
    });

    it('follows every personal notification, after it and its unread frame', async () => {
      const client = await connect('bea');
      const id = await notify('bea');
      expect((await client.next('notification')).data.id).toBe(id);
      expect(await client.next()).toEqual({ event: 'unread', data: { count: 1 } });
      expect(await client.next()).toEqual({ event: 'counts', data: { unread: 1, unseen: 1 } });
    });
  });

  describe('mark', () => {
    it('answers counts to the caller; the user’s other connection hears counts (and unread) only when a count changed', async () => {
      const [caller, other] = [await connect('cara'), await connect('cara')];
      const ids = await notifyMany('cara', ['a', 'b', 'c']);
      for (const client of [caller, other]) await countsPushed(client, 3);

      expect((await caller.request('mark', { ids: [ids[0], ids[1]], seen: true }, 'counts')).data).toEqual({ unread: 3, unseen: 1 });
      expect((await other.next('counts')).data).toEqual({ unread: 3, unseen: 1 });
      expect((await other.next('unread')).data).toEqual({ count: 3 });
      await caller.expectNone('unread', 0);

      // Seen again: nothing changed, the caller still gets its reply and nobody else hears a thing.
      expect((await caller.request('mark', { ids: [ids[0]], seen: true }, 'counts')).data).toEqual({ unread: 3, unseen: 1 });
      await other.expectNone('counts');

      expect((await caller.request('mark', { all: true, read: true }, 'counts')).data).toEqual({ unread: 0, unseen: 0 });
      expect((await other.next('counts')).data).toEqual({ unread: 0, unseen: 0 });
      expect(flags((await inbox('cara')).body.items)).toEqual([entry(ids[2], true, true, false), entry(ids[1], true, true, false), entry(ids[0], true, true, false)]);
    });

    it('archives: archived notifications leave the counts and the default inbox, and come back unarchived', async () => {
      const client = await connect('dina');
      const ids = await notifyMany('dina', ['a', 'b']);
      await countsPushed(client, 2);

      expect((await client.request('mark', { ids: [ids[1]], archived: true }, 'counts')).data).toEqual({ unread: 1, unseen: 1 });
      expect((await client.request('inbox', {}, 'inbox')).data).toMatchObject({ items: [{ id: ids[0] }], unread: 1, unseen: 1, nextCursor: null });
      expect((await client.request('inbox', { archived: true }, 'inbox')).data.items.map((item: Flags) => item.id)).toEqual([ids[1]]);
      expect((await client.request('mark', { all: true, archived: false }, 'counts')).data).toEqual({ unread: 2, unseen: 2 });
    });

    it('read still answers unread, then counts when they changed; the other connection hears both', async () => {
      const [reader, other] = [await connect('elsa'), await connect('elsa')];
      const id = await notify('elsa');
      for (const client of [reader, other]) {
        await client.next('notification');
        await countsPushed(client, 1);
      }

      reader.send('read', { ids: [id] });
      expect(await reader.next()).toEqual({ event: 'unread', data: { count: 0 } });
      expect(await reader.next()).toEqual({ event: 'counts', data: { unread: 0, unseen: 0 } });
      expect((await other.next('unread')).data).toEqual({ count: 0 });
      expect((await other.next('counts')).data).toEqual({ unread: 0, unseen: 0 });
      // Nothing changed: the reply alone.
      expect((await reader.request('read', { ids: [id] }, 'unread')).data).toEqual({ count: 0 });
      await reader.expectNone('counts');
      await other.expectNone('unread', 0);
    });
  });

  describe('inbox', () => {
    it('pages the caller’s own inbox, newest first, with flags and counts, to a null nextCursor', async () => {
      const client = await connect('finn');
      const ids = await notifyMany('finn', ['a', 'b', 'c', 'd', 'e']);
      await notifyMany('gus', ['secret']);
      await mark('finn', { ids: [ids[4]], read: true });

      const pages: string[][] = [];
      let before: string | null = null;
      do {
        const { data }: { data: { items: Flags[]; nextCursor: string | null; unread: number; unseen: number } } = await client.request(
          'inbox',
          before === null ? { limit: 2 } : { limit: 2, before },
          'inbox',
        );
        expect({ unread: data.unread, unseen: data.unseen }).toEqual({ unread: 4, unseen: 4 });
        pages.push(data.items.map((item) => item.id));
        before = data.nextCursor;
      } while (before !== null && pages.length < 10);
      expect(pages).toEqual([[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);

      const first = (await client.request('inbox', { limit: 1 }, 'inbox')).data.items[0];
      expect(first).toEqual({ id: ids[4], topic: 'user:finn', type: 'e', payload: {}, createdAt: expect.any(String), seen: true, read: true, archived: false });
    });

    it('never shows another user’s inbox, and takes no user to ask for', async () => {
      const client = await connect('hana');
      await notifyMany('ivan', ['private.a', 'private.b']);

      expect((await client.request('inbox', {}, 'inbox')).data).toEqual({ items: [], nextCursor: null, unread: 0, unseen: 0 });
      const refused = await client.request('inbox', { userId: 'ivan' }, 'exception');
      expect(refused.data).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'userId' }] });
      // Another user's ids are not the caller's to mark.
      const ivans = (await inbox('ivan')).body.items.map((item: Flags) => item.id);
      expect((await client.request('mark', { ids: ivans, read: true }, 'counts')).data).toEqual({ unread: 0, unseen: 0 });
      expect((await inbox('ivan')).body).toMatchObject({ unreadCount: 2, unseenCount: 2 });
    });

    it('filters unread, archived and types', async () => {
      const client = await connect('jade');
      const [a, b, c, d] = await notifyMany('jade', ['order.shipped', 'comment', 'order.shipped', 'mention']);
      await mark('jade', { ids: [a], read: true });
      await mark('jade', { ids: [d], archived: true });
      const ids = async (query: object) => (await client.request('inbox', query, 'inbox')).data.items.map((item: Flags) => item.id);

      expect(await ids({})).toEqual([c, b, a]);
      expect(await ids({ unread: true })).toEqual([c, b]);
      expect(await ids({ types: ['order.shipped'] })).toEqual([c, a]);
      expect(await ids({ types: ['order.shipped'], unread: true })).toEqual([c]);
      expect(await ids({ archived: true })).toEqual([d]);
      expect(await ids({ archived: true, types: ['comment'] })).toEqual([]);
    });
  });

  describe('bad mark and inbox data', () => {
    it.each([
      ['mark', {}, ['ids', 'all', 'seen', 'read', 'archived']],
      ['mark', { all: true }, ['seen', 'read', 'archived']],
      ['mark', { ids: ['x'], all: true, read: true }, ['ids', 'all']],
      ['mark', { ids: [], read: true }, ['ids']],
      ['mark', { ids: Array.from({ length: 1001 }, (_, n) => `i${n}`), read: true }, ['ids']],
      ['mark', { ids: ['x'.repeat(65)], read: true }, ['ids']],
      ['mark', { all: true, read: 'yes' }, ['read']],
      ['mark', { all: true, archived: null }, ['archived']],
      ['mark', { all: true, seen: false, read: true }, ['seen']],
      ['mark', { all: true, read: true, everything: true }, ['everything']],
      ['inbox', { limit: 0 }, ['limit']],
      ['inbox', { limit: 101 }, ['limit']],
      ['inbox', { limit: 2.5 }, ['limit']],
      ['inbox', { unread: false }, ['unread']],
      ['inbox', { archived: 'no' }, ['archived']],
      ['inbox', { before: 'x'.repeat(65) }, ['before']],
      ['inbox', { types: [] }, ['types']],
      ['inbox', { types: ['has space'] }, ['types']],
      ['inbox', { types: Array.from({ length: 21 }, (_, n) => `t${n}`) }, ['types']],
      ['inbox', { types: 'order.shipped' }, ['types']],
    ])('%s %#: VALIDATION_FAILED naming the bad fields, the socket stays open', async (event, data, fields) => {
      const client = await connect('kurt');
      const { data: error } = await client.request(event, data, 'exception');
      expect(error).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED', cause: { pattern: event } });
      expect(error.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
      expect((await client.request('inbox', {}, 'inbox')).event).toBe('inbox');
    });

    it.each([['not-a-cursor'], ['zzzzzzzzzz-1']])('inbox with the cursor %s: VALIDATION_FAILED on before, as REST answers 400', async (before) => {
      const client = await connect('lena');
      const { data: error } = await client.request('inbox', { before }, 'exception');
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'before' }], cause: { pattern: 'inbox', data: { before } } });
      expect((await inbox('lena', `?before=${before}`)).status).toBe(400);
    });

    it('mark and inbox are FORBIDDEN for an anonymous connection', async () => {
      const client = await connect();
      expect((await client.request('mark', { all: true, read: true }, 'exception')).data).toMatchObject({ code: 'FORBIDDEN', cause: { pattern: 'mark' } });
      expect((await client.request('inbox', {}, 'exception')).data).toMatchObject({ code: 'FORBIDDEN', cause: { pattern: 'inbox' } });
    });
  });

  describe('REST', () => {
    it('POST .../mark answers {updated, unread, unseen} and pushes counts to the user’s connections', async () => {
      const client = await connect('mia');
      const ids = await notifyMany('mia', ['a', 'b', 'c']);
      await countsPushed(client, 3);

      expect(await mark('mia', { ids: [ids[0], ids[1], 'zzzzzzzzzz-1'], seen: true })).toEqual({ status: 200, body: { updated: 2, unread: 3, unseen: 1 } });
      expect((await client.next('counts')).data).toEqual({ unread: 3, unseen: 1 });
      expect(await mark('mia', { all: true, read: true, archived: true })).toEqual({ status: 200, body: { updated: 3, unread: 0, unseen: 0 } });
      expect((await client.next('counts')).data).toEqual({ unread: 0, unseen: 0 });
      expect(await mark('mia', { all: true, archived: true })).toEqual({ status: 200, body: { updated: 0, unread: 0, unseen: 0 } });
      await client.expectNone('counts');
      expect(await mark('nobody-here', { all: true, read: true })).toEqual({ status: 200, body: { updated: 0, unread: 0, unseen: 0 } });
    });

    it('DELETE .../:id answers 204, removes it from the inbox and the counts (pushed), then 404; another user’s id is a 404', async () => {
      const client = await connect('nora');
      const [kept, gone] = await notifyMany('nora', ['a', 'b']);
      const [others] = await notifyMany('otto', ['c']);
      await countsPushed(client, 2);

      const deleted = await fetch(`${running.baseUrl}/users/nora/notifications/${gone}`, { method: 'DELETE' });
      expect([deleted.status, await deleted.text()]).toEqual([204, '']);
      expect((await client.next('counts')).data).toEqual({ unread: 1, unseen: 1 });
      expect((await inbox('nora')).body).toMatchObject({ items: [{ id: kept }], unreadCount: 1, unseenCount: 1 });
      expect(await remove('nora', gone)).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'notification not in the inbox' } });
      expect((await remove('nora', others)).status).toBe(404);
      expect((await remove('nora', 'not-an-id')).status).toBe(404);
      expect((await inbox('otto')).body).toMatchObject({ items: [{ id: others }], unreadCount: 1 });
    });

    it('GET .../notifications filters unseen=true, archived=true|false and repeated type=', async () => {
      const [a, b, c, d] = await notifyMany('pete', ['order.shipped', 'comment', 'order.shipped', 'mention']);
      await mark('pete', { ids: [a, b], seen: true });
      await mark('pete', { ids: [d], archived: true });
      const ids = async (query: string) => {
        const { status, body } = await inbox('pete', query);
        expect(status).toBe(200);
        return body.items.map((item: Flags) => item.id);
      };

      expect(await ids('')).toEqual([c, b, a]);
      expect(await ids('?archived=false')).toEqual([c, b, a]);
      expect(await ids('?archived=true')).toEqual([d]);
      expect(await ids('?unseen=true')).toEqual([c]);
      expect(await ids('?type=order.shipped')).toEqual([c, a]);
      expect(await ids('?type=comment&type=mention')).toEqual([b]);
      expect(await ids('?type=comment&type=mention&archived=true')).toEqual([d]);
      expect(await ids('?type=order.shipped&unseen=true&limit=1')).toEqual([c]);
      expect((await inbox('pete')).body).toMatchObject({ unreadCount: 3, unseenCount: 1 });
    });

    it.each([
      ['GET', '/users/quin/notifications?unseen=yes', undefined, 'unseen'],
      ['GET', '/users/quin/notifications?archived=maybe', undefined, 'archived'],
      ['GET', '/users/quin/notifications?type=has%20space', undefined, 'type'],
      ['GET', `/users/quin/notifications?${Array.from({ length: 21 }, (_, n) => `type=t${n}`).join('&')}`, undefined, 'type'],
      ['POST', '/users/quin/notifications/mark', { all: true }, 'read'],
      ['POST', '/users/quin/notifications/mark', { read: true }, 'ids'],
      ['POST', '/users/quin/notifications/mark', { all: true, seen: false, read: true }, 'seen'],
      ['POST', '/users/quin/notifications/mark', { all: true, read: 1 }, 'read'],
      ['DELETE', `/users/quin/notifications/${'x'.repeat(65)}`, undefined, 'id'],
      ['DELETE', '/users/bad%20id/notifications/k3x9f2a1b0-42', undefined, 'userId'],
    ])('%s %s: 400 naming %s', async (method, path, body, field) => {
      const { status, body: answer } = await http(running.baseUrl, method, path, body);
      expect(status).toBe(400);
      expect(answer.errors.map((error: { field: string }) => error.field)).toContain(field);
    });
  });
});
