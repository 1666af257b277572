import { startApp, type RunningApp } from './support/start-app.js';
import { http } from './support/http.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

/** Every row of the wire-protocol tables (contract section 4), through a real socket. */
describe('wire protocol', () => {
  let running: RunningApp;
  const clients = ClientPool.closedAfterEach();
  const connect = (query = ''): Promise<TestClient> => clients.open(`${running.wsUrl}${query}`);
  const post = (body: unknown) => http(running.baseUrl, 'POST', '/notifications', body);

  beforeAll(async () => {
    running = await startApp();
  });
  afterAll(() => running.close());

  it('welcome is the first frame, with connectionId, userId and heartbeatMs', async () => {
    const client = await connect('?user=alice');
    const first = await client.next();
    expect(first.event).toBe('welcome');
    expect(first.data).toEqual({ connectionId: expect.any(String), userId: 'alice', heartbeatMs: 30000 });
  });

  it('welcome has a null userId for an anonymous connection, and no unread frame follows', async () => {
    const client = await connect();
    expect((await client.next()).data.userId).toBeNull();
    await client.expectNone('unread');
  });

  it('unread {count} follows welcome for a user', async () => {
    await post({ type: 't', userIds: ['carol'] });
    const client = await connect('?user=carol');
    await client.next('welcome');
    expect((await client.next('unread')).data).toEqual({ count: 1 });
  });

  it('subscribe answers subscribed, then notifications of the topic arrive', async () => {
    const client = await connect();
    await client.next('welcome');
    const subscribed = await client.request('subscribe', { topic: 'orders' }, 'subscribed');
    expect(subscribed.data).toEqual({ topic: 'orders', recovered: false, missed: 0 });
    const { body } = await post({ type: 'order.shipped', topic: 'orders', payload: { n: 1 } });
    const notification = await client.next('notification');
    expect(notification.data).toEqual({
      id: body.notifications[0].id,
      topic: 'orders',
      type: 'order.shipped',
      payload: { n: 1 },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('subscribe with since replays the missed ones in order, then goes live', async () => {
    const first = (await post({ type: 't', topic: 'replayed' })).body.notifications[0].id;
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await post({ type: 't', topic: 'replayed', payload: { i } })).body.notifications[0].id);
    const client = await connect();
    const subscribed = await client.request('subscribe', { topic: 'replayed', since: first }, 'subscribed');
    expect(subscribed.data).toEqual({ topic: 'replayed', recovered: true, missed: 3 });
    for (const id of missed) expect((await client.next('notification')).data.id).toBe(id);
    const live = (await post({ type: 't', topic: 'replayed' })).body.notifications[0].id;
    expect((await client.next('notification')).data.id).toBe(live);
  });

  it('subscribe with an unknown since answers recovered: false', async () => {
    const client = await connect();
    const subscribed = await client.request('subscribe', { topic: 'replayed', since: 'zzzzzzzzzz-5' }, 'subscribed');
    expect(subscribed.data).toEqual({ topic: 'replayed', recovered: false, missed: 0 });
  });

  it('unsubscribe answers unsubscribed and stops delivery', async () => {
    const client = await connect();
    await client.request('subscribe', { topic: 'quiet' }, 'subscribed');
    expect((await client.request('unsubscribe', { topic: 'quiet' }, 'unsubscribed')).data).toEqual({ topic: 'quiet' });
    await post({ type: 't', topic: 'quiet' });
    await client.expectNone('notification');
  });

  it('ping answers pong with the server time', async () => {
    const client = await connect();
    const pong = await client.request('ping', {}, 'pong');
    expect(Date.parse(pong.data.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a user receives personal notifications and the unread count without subscribing', async () => {
    const client = await connect('?user=dave');
    await client.next('unread');
    const { body } = await post({ type: 'hello', userIds: ['dave'] });
    expect((await client.next('notification')).data).toMatchObject({ id: body.notifications[0].id, topic: 'user:dave' });
    expect((await client.next('unread')).data).toEqual({ count: 1 });
  });

  it('a connection that unsubscribed from its personal topic still hears the unread count', async () => {
    const client = await connect('?user=nora');
    await client.next('unread');
    await client.request('unsubscribe', { topic: 'user:nora' }, 'unsubscribed');
    await post({ type: 'hello', userIds: ['nora'] });
    expect((await client.next('unread')).data).toEqual({ count: 1 });
    await client.expectNone('notification');
  });

  it('broadcast reaches every connection, anonymous ones too', async () => {
    const a = await connect();
    const b = await connect('?user=erin');
    await Promise.all([a.next('welcome'), b.next('welcome')]);
    await post({ type: 'maintenance', broadcast: true });
    expect((await a.next('notification')).data.topic).toBe('broadcast');
    expect((await b.next('notification')).data.topic).toBe('broadcast');
  });

  it('read {ids} answers unread {count} and moves the count on the other connections of the user', async () => {
    const one = await connect('?user=frank');
    const two = await connect('?user=frank');
    await Promise.all([one.next('unread'), two.next('unread')]);
    const { body } = await post({ type: 't', userIds: ['frank'] });
    const id = body.notifications[0].id;
    await post({ type: 't', userIds: ['frank'] });
    for (const c of [one, two]) {
      await c.next('unread');
      await c.next('unread');
    }
    expect((await one.request('read', { ids: [id] }, 'unread')).data).toEqual({ count: 1 });
    expect((await two.next('unread')).data).toEqual({ count: 1 });
    await one.expectNone('unread', 200);
    expect((await one.request('read', { all: true }, 'unread')).data).toEqual({ count: 0 });
    expect((await two.next('unread')).data).toEqual({ count: 0 });
  });

  it('read is FORBIDDEN for an anonymous connection', async () => {
    const client = await connect();
    const error = await client.request('read', { all: true }, 'exception');
    expect(error.data).toMatchObject({ status: 'error', code: 'FORBIDDEN', cause: { pattern: 'read', data: { all: true } } });
  });

  it('user:<self> and broadcast may be subscribed explicitly; another user\'s topic is FORBIDDEN', async () => {
    const client = await connect('?user=gina');
    expect((await client.request('subscribe', { topic: 'user:gina' }, 'subscribed')).data.topic).toBe('user:gina');
    expect((await client.request('subscribe', { topic: 'broadcast' }, 'subscribed')).data.topic).toBe('broadcast');
    const error = await client.request('subscribe', { topic: 'user:hank' }, 'exception');
    expect(error.data).toMatchObject({ code: 'FORBIDDEN', cause: { pattern: 'subscribe', data: { topic: 'user:hank' } } });
  });

  it('private topics are FORBIDDEN without a grant', async () => {
    const client = await connect('?user=ivan');
    expect((await client.request('subscribe', { topic: 'private:team-7' }, 'exception')).data.code).toBe('FORBIDDEN');
  });

  it('two users see only their own personal notifications', async () => {
    const alice = await connect('?user=alice2');
    const bob = await connect('?user=bob2');
    await Promise.all([alice.next('unread'), bob.next('unread')]);
    await Promise.all([
      post({ type: 'for.alice', userIds: ['alice2'] }),
      post({ type: 'for.bob', userIds: ['bob2'] }),
      post({ type: 'for.alice', userIds: ['alice2'] }),
    ]);
    expect((await alice.next('notification')).data.type).toBe('for.alice');
    expect((await alice.next('notification')).data.type).toBe('for.alice');
    expect((await bob.next('notification')).data.type).toBe('for.bob');
    await bob.expectNone('notification');
    await alice.expectNone('notification', 50);
  });
});
