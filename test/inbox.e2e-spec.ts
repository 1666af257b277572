import { embeddedStores } from './support/embedded-stores.js';
import { http } from './support/http.js';
import { publish } from './support/rest-publish.js';
import { type RunningApp, startApp } from './support/start-app.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const { stores } = embeddedStores('inbox-e2e');

/** The user inbox (contract sections 5, 6 and 9) over the real HTTP port and real sockets. */
describe.each(stores)('user inbox (%s store)', (_name, options) => {
  let running: RunningApp;
  const clients = ClientPool.closedAfterEach();

  const notify = async (userId: string, n: number): Promise<string> => (await publish(running.baseUrl, { type: 'inbox.item', userIds: [userId], payload: { n } }))[0].id;
  const notifyMany = async (userId: string, count: number): Promise<string[]> => {
    const ids = [];
    for (let n = 0; n < count; n++) ids.push(await notify(userId, n));
    return ids;
  };
  const inbox = (userId: string, query = '') => http(running.baseUrl, 'GET', `/users/${userId}/notifications${query}`);
  const markRead = (userId: string, body: unknown) => http(running.baseUrl, 'POST', `/users/${userId}/notifications/read`, body);
  /** Follows nextCursor from the first page to the last; answers the ids of each page. */
  const walk = async (userId: string, query: string): Promise<{ pages: string[][]; cursors: Array<string | null> }> => {
    const pages: string[][] = [];
    const cursors: Array<string | null> = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await inbox(userId, `?${query}${cursor ? `&before=${cursor}` : ''}`);
      expect(status).toBe(200);
      pages.push(body.items.map((item: { id: string }) => item.id));
      cursors.push(body.nextCursor);
      cursor = body.nextCursor;
    } while (cursor !== null && pages.length < 20);
    return { pages, cursors };
  };
  const connect = (userId: string): Promise<TestClient> => clients.connect(`${running.wsUrl}?user=${userId}`);

  beforeAll(async () => {
    running = await startApp(options);
  });
  afterAll(() => running.close());

  describe('GET /users/:userId/notifications', () => {
    it('lists the notifications newest first, each with its flags, and the counts', async () => {
      const ids = await notifyMany('ivy', 3);
      const { status, body } = await inbox('ivy');
      expect(status).toBe(200);
      expect(body).toEqual({
        items: [2, 1, 0].map((n) => ({
          id: ids[n],
          topic: 'user:ivy',
          type: 'inbox.item',
          payload: { n },
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
          seen: false,
          read: false,
          archived: false,
        })),
        unreadCount: 3,
        unseenCount: 3,
        nextCursor: null,
      });
    });

    it('pages with limit and the before cursor to the end, where nextCursor is null', async () => {
      const ids = await notifyMany('jack', 5);
      const { pages, cursors } = await walk('jack', 'limit=2');
      expect(pages).toEqual([[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);
      expect(cursors).toEqual([ids[3], ids[1], null]);
    });

    it('answers nextCursor null on a last page that is exactly full', async () => {
      const ids = await notifyMany('kate', 4);
      const { pages, cursors } = await walk('kate', 'limit=2');
      expect(pages).toEqual([[ids[3], ids[2]], [ids[1], ids[0]]]);
      expect(cursors).toEqual([ids[2], null]);
    });

    it('unread=true lists only the unread ones, newest first, and pages over them', async () => {
      const ids = await notifyMany('liam', 4);
      expect((await markRead('liam', { ids: [ids[1], ids[3]] })).body).toEqual({ updated: 2, unreadCount: 2 });

      const unread = await inbox('liam', '?unread=true');
      expect(unread.status).toBe(200);
      expect(unread.body.items.map((item: { id: string; read: boolean }) => [item.id, item.read])).toEqual([
        [ids[2], false],
        [ids[0], false],
      ]);
      expect(unread.body).toMatchObject({ unreadCount: 2, nextCursor: null });
      expect(await walk('liam', 'unread=true&limit=1')).toEqual({ pages: [[ids[2]], [ids[0]]], cursors: [ids[2], null] });

      const all = await inbox('liam', '?unread=false');
      expect(all.body.items.map((item: { read: boolean }) => item.read)).toEqual([true, false, true, false]);
      expect(all.body.unreadCount).toBe(2);
    });

    it('serves the longest user id allowed (123 characters)', async () => {
      const userId = 'v'.repeat(123);
      const id = await notify(userId, 0);
      expect(await inbox(userId)).toMatchObject({ status: 200, body: { items: [{ id, topic: `user:${userId}` }], unreadCount: 1 } });
      expect(await markRead(userId, { all: true })).toEqual({ status: 200, body: { updated: 1, unreadCount: 0 } });
    });

    it('answers 200 with no items for a user that never received anything', async () => {
      for (const query of ['', '?unread=true', '?limit=1']) {
        expect(await inbox('ghost', query)).toEqual({ status: 200, body: { items: [], unreadCount: 0, unseenCount: 0, nextCursor: null } });
      }
    });
  });

  describe('POST /users/:userId/notifications/read', () => {
    it('ids: counts only the notifications that went from unread to read', async () => {
      const ids = await notifyMany('mona', 3);
      expect(await markRead('mona', { ids: [ids[0], ids[2]] })).toEqual({ status: 200, body: { updated: 2, unreadCount: 1 } });
      expect(await markRead('mona', { ids: [ids[0], ids[1]] })).toEqual({ status: 200, body: { updated: 1, unreadCount: 0 } });
      expect(await markRead('mona', { ids })).toEqual({ status: 200, body: { updated: 0, unreadCount: 0 } });
      const { body } = await inbox('mona');
      expect(body.items.every((item: { read: boolean }) => item.read)).toBe(true);
    });

    it('all: marks every notification of the user read', async () => {
      await notifyMany('nina', 3);
      expect(await markRead('nina', { all: true })).toEqual({ status: 200, body: { updated: 3, unreadCount: 0 } });
      expect(await markRead('nina', { all: true })).toEqual({ status: 200, body: { updated: 0, unreadCount: 0 } });
      expect((await inbox('nina', '?unread=true')).body).toEqual({ items: [], unreadCount: 0, unseenCount: 0, nextCursor: null });
      expect((await inbox('nina')).body.items).toHaveLength(3);
    });

    it("ignores ids that are not the user's: 200 with updated 0, nothing else changed", async () => {
      const others = await notifyMany('omar', 2);
      const own = await notify('pia', 0);
      const { status, body } = await markRead('pia', { ids: [...others, 'not-an-id', 'zzzzzzzzzz-1'] });
      expect({ status, body }).toEqual({ status: 200, body: { updated: 0, unreadCount: 1 } });
      expect((await inbox('omar')).body).toMatchObject({ unreadCount: 2, items: [{ id: others[1], read: false }, { id: others[0], read: false }] });
      expect((await inbox('pia')).body).toMatchObject({ unreadCount: 1, items: [{ id: own, read: false }] });
    });

    it('answers 200 with updated 0 for a user that never received anything', async () => {
      expect(await markRead('nobody', { all: true })).toEqual({ status: 200, body: { updated: 0, unreadCount: 0 } });
      expect(await markRead('nobody', { ids: ['zzzzzzzzzz-1'] })).toEqual({ status: 200, body: { updated: 0, unreadCount: 0 } });
    });
  });

  describe('bad input answers 400 and changes nothing', () => {
    let ids: string[];
    beforeAll(async () => {
      ids = await notifyMany('quinn', 2);
    });

    it.each([
      ['a user id with a space', 'GET', '/users/bad%20id/notifications', undefined, 'userId'],
      ['a user id over 123 characters', 'GET', `/users/${'u'.repeat(124)}/notifications`, undefined, 'userId'],
      ['a user id with a slash', 'POST', '/users/bad%2Fid/notifications/read', { all: true }, 'userId'],
      ['limit 0', 'GET', '/users/quinn/notifications?limit=0', undefined, 'limit'],
      ['limit 101', 'GET', '/users/quinn/notifications?limit=101', undefined, 'limit'],
      ['limit abc', 'GET', '/users/quinn/notifications?limit=abc', undefined, 'limit'],
      ['unread other than true or false', 'GET', '/users/quinn/notifications?unread=yes', undefined, 'unread'],
      ['an unknown query parameter', 'GET', '/users/quinn/notifications?page=2', undefined, 'page'],
      ['both ids and all', 'POST', '/users/quinn/notifications/read', { ids: ['x'], all: true }, 'ids'],
      ['neither ids nor all', 'POST', '/users/quinn/notifications/read', {}, 'all'],
      ['an unknown field', 'POST', '/users/quinn/notifications/read', { all: true, everything: true }, 'everything'],
      ['a field named constructor', 'POST', '/users/quinn/notifications/read', { all: true, constructor: 1 }, 'constructor'],
      ['a query parameter named constructor', 'GET', '/users/quinn/notifications?constructor=1', undefined, 'constructor'],
      ['all other than true', 'POST', '/users/quinn/notifications/read', { all: false }, 'all'],
      ['empty ids', 'POST', '/users/quinn/notifications/read', { ids: [] }, 'ids'],
      ['ids that are not strings', 'POST', '/users/quinn/notifications/read', { ids: [1] }, 'ids'],
    ])('%s', async (_case, method, path, body, field) => {
      const { status, body: answer } = await http(running.baseUrl, method, path, body);
      expect(status).toBe(400);
      expect(answer.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it.each([
      ['malformed', 'not-a-cursor'],
      ['from another store', 'zzzzzzzzzz-1'],
    ])('a %s before cursor', async (_case, cursor) => {
      const { status } = await inbox('quinn', `?before=${cursor}`);
      expect(status).toBe(400);
      // A good cursor still works next to it.
      expect((await inbox('quinn', `?before=${ids[1]}`)).body.items.map((item: { id: string }) => item.id)).toEqual([ids[0]]);
    });

    it('left the inbox as it was', async () => {
      expect((await inbox('quinn')).body).toMatchObject({ unreadCount: 2, items: [{ id: ids[1], read: false }, { id: ids[0], read: false }] });
    });
  });

  describe('the unread {count} event', () => {
    it('reaches every connection of the user when the count changes from REST, and only then', async () => {
      const [one, two] = [await connect('rosa'), await connect('rosa')];
      const stranger = await connect('sam');
      for (const client of [one, two, stranger]) expect((await client.next('unread')).data).toEqual({ count: 0 });

      const ids = [await notify('rosa', 0), await notify('rosa', 1)];
      for (const client of [one, two]) {
        expect((await client.next('unread')).data).toEqual({ count: 1 });
        expect((await client.next('unread')).data).toEqual({ count: 2 });
      }
      await markRead('rosa', { ids: [ids[0]] });
      for (const client of [one, two]) expect((await client.next('unread')).data).toEqual({ count: 1 });
      // Nothing changed: nobody hears about it.
      await markRead('rosa', { ids: [ids[0]] });
      await one.expectNone('unread');
      await two.expectNone('unread', 0);
      await markRead('rosa', { all: true });
      for (const client of [one, two]) expect((await client.next('unread')).data).toEqual({ count: 0 });
      await stranger.expectNone('unread', 0);
    });

    it('a read over ws on one connection: the reader gets unread as its reply, the other connection the push', async () => {
      const [reader, other] = [await connect('tara'), await connect('tara')];
      await Promise.all([reader.next('unread'), other.next('unread')]);
      const ids = [await notify('tara', 0), await notify('tara', 1), await notify('tara', 2)];
      for (const client of [reader, other]) for (let n = 1; n <= 3; n++) expect((await client.next('unread')).data).toEqual({ count: n });

      expect((await reader.request('read', { ids: [ids[0], ids[2]] }, 'unread')).data).toEqual({ count: 1 });
      expect((await other.next('unread')).data).toEqual({ count: 1 });
      await reader.expectNone('unread');
      expect((await inbox('tara')).body).toMatchObject({
        unreadCount: 1,
        items: [{ id: ids[2], read: true }, { id: ids[1], read: false }, { id: ids[0], read: true }],
      });

      expect((await other.request('read', { all: true }, 'unread')).data).toEqual({ count: 0 });
      expect((await reader.next('unread')).data).toEqual({ count: 0 });
      await other.expectNone('unread');
    });
  });
});
