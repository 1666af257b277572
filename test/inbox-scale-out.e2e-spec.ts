import { http } from './support/http.js';
import { publish } from './support/rest-publish.js';
import { clusterFor, describeWithRedisAndPostgres } from './support/cluster.fixture.js';
import type { ServiceInstance } from './support/service-instance.fixture.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const describeScaleOut = describeWithRedisAndPostgres('Inbox scale-out e2e');

/** Inbox states across two `node dist/main.js` instances sharing Redis (BROKER=redis) and PostgreSQL (STORE=postgres). */
describeScaleOut('inbox states across two instances', () => {
  const cluster = clusterFor('inbox-scale-out');
  const clients = ClientPool.closedAfterEach();

  /** A connection of `userId` on `instance`, past `welcome` and its first counts. */
  const connect = async (instance: ServiceInstance, userId: string): Promise<TestClient> => {
    const client = await clients.connect(`${instance.wsUrl}?user=${userId}`);
    await client.next('unread');
    await client.next('counts');
    return client;
  };
  const notify = async (instance: ServiceInstance, userId: string, type: string): Promise<string> => (await publish(instance.baseUrl, { type, userIds: [userId] }))[0].id;

  it("mark on one instance answers the caller and changes counts on the user's connection on the other, only when a count changed", async () => {
    const { run, a, b } = cluster();
    const dana = `dana-${run}`;
    const [onA, onB] = [await connect(a, dana), await connect(b, dana)];
    const ids = [await notify(a, dana, 'order.shipped'), await notify(b, dana, 'comment'), await notify(a, dana, 'order.shipped')];
    for (const client of [onA, onB]) {
      for (const unseen of [1, 2, 3]) expect((await client.next('counts')).data).toEqual({ unread: unseen, unseen });
    }

    expect((await onA.request('mark', { all: true, seen: true }, 'counts')).data).toEqual({ unread: 3, unseen: 0 });
    expect((await onB.next('counts')).data).toEqual({ unread: 3, unseen: 0 });
    expect((await onA.request('mark', { ids: [ids[0]], read: true }, 'counts')).data).toEqual({ unread: 2, unseen: 0 });
    expect((await onB.next('counts')).data).toEqual({ unread: 2, unseen: 0 });
    expect((await onB.request('mark', { ids: [ids[2]], archived: true }, 'counts')).data).toEqual({ unread: 1, unseen: 0 });
    expect((await onA.next('counts')).data).toEqual({ unread: 1, unseen: 0 });
    // Changes no count: the other instance hears nothing.
    expect((await onA.request('mark', { ids: [ids[0]], seen: true }, 'counts')).data).toEqual({ unread: 1, unseen: 0 });
    await onB.expectNone('counts', 500);
    await onA.expectNone('counts', 0);

    // REST on B: both hear it, A through Redis; a delete moves the counts too.
    const marked = await http(b.baseUrl, 'POST', `/users/${dana}/notifications/mark`, { all: true, read: true });
    // The archived one is read too: it was unread, if not counted.
    expect(marked).toEqual({ status: 200, body: { updated: 2, unread: 0, unseen: 0 } });
    for (const client of [onA, onB]) expect((await client.next('counts')).data).toEqual({ unread: 0, unseen: 0 });
    const fresh = await notify(b, dana, 'mention');
    for (const client of [onA, onB]) expect((await client.next('counts')).data).toEqual({ unread: 1, unseen: 1 });
    expect((await http(a.baseUrl, 'DELETE', `/users/${dana}/notifications/${fresh}`)).status).toBe(204);
    for (const client of [onA, onB]) expect((await client.next('counts')).data).toEqual({ unread: 0, unseen: 0 });
  });

  it('inbox on either instance pages the caller’s own inbox, with its filters, and never another user’s', async () => {
    const { run, a, b } = cluster();
    const [erin, fred] = [`erin-${run}`, `fred-${run}`];
    const ids = [];
    for (const [n, instance] of [a, b, a, b].entries()) ids.push(await notify(instance, erin, n % 2 === 0 ? 'order.shipped' : 'comment'));
    await notify(a, fred, 'order.shipped');
    const [erinOnB, fredOnA] = [await connect(b, erin), await connect(a, fred)];

    const first = (await erinOnB.request('inbox', { limit: 3 }, 'inbox')).data;
    expect(first).toMatchObject({ unread: 4, unseen: 4, nextCursor: ids[1] });
    expect(first.items.map((item: { id: string }) => item.id)).toEqual([ids[3], ids[2], ids[1]]);
    const last = (await erinOnB.request('inbox', { limit: 3, before: first.nextCursor }, 'inbox')).data;
    expect([last.items.map((item: { id: string }) => item.id), last.nextCursor]).toEqual([[ids[0]], null]);
    const shipped = (await erinOnB.request('inbox', { types: ['order.shipped'] }, 'inbox')).data;
    expect(shipped.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[0]]);

    const fredsOwn = (await fredOnA.request('inbox', {}, 'inbox')).data;
    expect(fredsOwn.items).toHaveLength(1);
    expect(fredsOwn.items[0].topic).toBe(`user:${fred}`);
    expect((await fredOnA.request('mark', { ids, read: true }, 'counts')).data).toEqual({ unread: 1, unseen: 1 });
    expect((await http(a.baseUrl, 'GET', `/users/${erin}/notifications`)).body).toMatchObject({ unreadCount: 4, unseenCount: 4 });
  });
});
