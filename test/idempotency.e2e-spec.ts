import { join } from 'node:path';
import { embeddedStores } from './support/embedded-stores.js';
import { http } from './support/http.js';
import { type RunningApp, startApp } from './support/start-app.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const { dir, stores } = embeddedStores('idempotency-e2e');

/** `idempotencyKey` on `POST /notifications` (contract section 6): the first answer, one delivery. */
describe.each(stores)('idempotent publish (%s store)', (_name, options) => {
  let running: RunningApp;
  const clients = ClientPool.closedAfterEach();
  const post = (body: unknown) => http(running.baseUrl, 'POST', '/notifications', body);
  const subscriber = async (topic: string): Promise<TestClient> => {
    const client = await clients.connect(running.wsUrl);
    await client.request('subscribe', { topic }, 'subscribed');
    return client;
  };
  const history = async (topic: string) => (await http(running.baseUrl, 'GET', `/topics/${topic}/notifications`)).body.items;

  beforeAll(async () => {
    running = await startApp(options);
  });
  afterAll(() => running.close());

  it('a repeated key answers the first answer and delivers once', async () => {
    const client = await subscriber('idem.repeat');
    const body = { type: 'order.paid', topic: 'idem.repeat', payload: { order: 1 }, idempotencyKey: 'order-1-paid' };
    const first = await post(body);
    expect(first.status).toBe(202);
    expect((await client.next('notification')).data).toMatchObject({ id: first.body.notifications[0].id, payload: { order: 1 } });

    expect(await post(body)).toEqual(first);
    expect(await post(body)).toEqual(first);
    await client.expectNone('notification');
    expect(await history('idem.repeat')).toHaveLength(1);
  });

  it('ten repeats racing get one answer and one delivery', async () => {
    const client = await subscriber('idem.race');
    const body = { type: 'order.paid', topic: 'idem.race', payload: { order: 2 }, idempotencyKey: 'order-2-paid' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 202, body: { notifications: [{ topic: 'idem.race' }] } });
    expect((await client.next('notification')).data.id).toBe(answers[0].body.notifications[0].id);
    await client.expectNone('notification');
    expect(await history('idem.race')).toHaveLength(1);
  });

  it('ten repeats racing to several users fill each inbox once', async () => {
    const client = await clients.connect(`${running.wsUrl}?user=idem-ann`);
    await client.next('unread');
    const body = { type: 'invoice.ready', userIds: ['idem-ann', 'idem-ben'], idempotencyKey: 'invoice-7-ready' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].body.notifications.map((n: { topic: string }) => n.topic)).toEqual(['user:idem-ann', 'user:idem-ben']);
    expect((await client.next('notification')).data.id).toBe(answers[0].body.notifications[0].id);
    expect((await client.next('unread')).data).toEqual({ count: 1 });
    await client.expectNone('notification');
    for (const userId of ['idem-ann', 'idem-ben']) {
      expect((await http(running.baseUrl, 'GET', `/users/${userId}/notifications`)).body).toMatchObject({ unreadCount: 1, items: [{}] });
    }
  });

  it('the same key with a different body gets 409 and delivers nothing', async () => {
    const client = await subscriber('idem.conflict');
    const body = { type: 'order.paid', topic: 'idem.conflict', payload: { order: 3 }, idempotencyKey: 'order-3-paid' };
    const first = await post(body);
    expect(first.status).toBe(202);
    await client.next('notification');

    for (const changed of [
      { ...body, payload: { order: 4 } },
      { ...body, type: 'order.refunded' },
      { ...body, topic: 'idem.elsewhere' },
    ]) {
      expect(await post(changed)).toMatchObject({ status: 409, body: { statusCode: 409, error: 'Conflict' } });
    }
    await client.expectNone('notification');
    expect(await post(body)).toEqual(first);
    expect(await history('idem.conflict')).toHaveLength(1);
    expect(await history('idem.elsewhere')).toHaveLength(0);
  });

  it('requests without a key, or with different keys, are not deduplicated', async () => {
    const client = await subscriber('idem.distinct');
    const body = { type: 'order.paid', topic: 'idem.distinct' };
    const ids = [];
    for (const extra of [{}, {}, { idempotencyKey: 'distinct-a' }, { idempotencyKey: 'distinct-b' }]) {
      ids.push((await post({ ...body, ...extra })).body.notifications[0].id);
    }
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect((await client.next('notification')).data.id).toBe(id);
  });
});

describe('idempotency keys across a restart (sqlite store)', () => {
  const sqlitePath = join(dir, 'restart.db');
  const body = { type: 'order.paid', topic: 'idem.restart', payload: { order: 9 }, idempotencyKey: 'order-9-paid' };

  it('a key used before the restart answers the first answer after it and delivers nothing', async () => {
    const before = await startApp({ store: 'sqlite', sqlitePath });
    const first = await http(before.baseUrl, 'POST', '/notifications', body);
    expect(first.status).toBe(202);
    await before.close();

    const after = await startApp({ store: 'sqlite', sqlitePath });
    const client = await TestClient.connect(after.wsUrl);
    try {
      await client.request('subscribe', { topic: 'idem.restart' }, 'subscribed');
      expect(await http(after.baseUrl, 'POST', '/notifications', body)).toEqual(first);
      await client.expectNone('notification');
      expect(await http(after.baseUrl, 'POST', '/notifications', { ...body, payload: { order: 10 } })).toMatchObject({ status: 409 });
      const stored = await http(after.baseUrl, 'GET', '/topics/idem.restart/notifications');
      expect(stored.body.items.map((n: { id: string }) => n.id)).toEqual([first.body.notifications[0].id]);
    } finally {
      client.close();
      await after.close();
    }
  });
});
