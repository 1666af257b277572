import { WebSocket } from 'ws';
import { startApp } from '../../test/support/start-app.js';
import { NotificationsClient } from '../src/index.js';
import { nextEvent, record, sleep, until } from './support/client-probe.js';
import { publish } from './support/rest-publisher.js';

type App = Awaited<ReturnType<typeof startApp>>;

describe('NotificationsClient against the service (dev mode)', () => {
  let app: App;
  const clients: NotificationsClient[] = [];
  const connect = (user: string | undefined, topics?: string[]): NotificationsClient => {
    const client = new NotificationsClient({ url: app.wsUrl, user, topics, WebSocket });
    clients.push(client);
    client.connect();
    return client;
  };

  beforeAll(async () => {
    app = await startApp({ store: 'memory' });
  });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));
  afterAll(() => app.close());

  it('refuses to start without a WebSocket class where there is no global one', () => {
    expect(globalThis.WebSocket).toBeUndefined();
    expect(() => new NotificationsClient({ url: 'ws://127.0.0.1:1/ws' })).toThrow(TypeError);
  });

  it('connects, reports its state and the welcome, and joins the personal and broadcast topics', async () => {
    const client = new NotificationsClient({ url: app.wsUrl, user: 'ada', WebSocket });
    clients.push(client);
    const states = record(client, 'state');
    const welcome = nextEvent(client, 'welcome');
    client.connect();
    expect(await welcome).toEqual({ connectionId: expect.any(String), userId: 'ada', heartbeatMs: expect.any(Number) });
    expect(client.state).toBe('open');
    expect(states.map((change) => change.state)).toEqual(['connecting', 'open']);
    expect(client.welcome?.userId).toBe('ada');
    expect(client.topics).toEqual(expect.arrayContaining(['broadcast', 'user:ada']));
  });

  it('receives a notification posted over REST, and counts it unread', async () => {
    const client = connect('grace');
    await nextEvent(client, 'welcome');
    const arrived = nextEvent(client, 'notification');
    const unread = nextEvent(client, 'unread', ({ count }) => count === 1);
    const [sent] = await publish(app.baseUrl, { type: 'order.shipped', payload: { order: 42 }, userIds: ['grace'] });
    expect(await arrived).toEqual({
      id: sent.id,
      topic: 'user:grace',
      type: 'order.shipped',
      payload: { order: 42 },
      createdAt: expect.any(String),
    });
    await unread;
    expect(client.unreadCount).toBe(1);
    expect(client.cursor('user:grace')).toBe(sent.id);
  });

  it('marks notifications read one by one and all at once, updating unreadCount', async () => {
    const client = connect('linus');
    await nextEvent(client, 'welcome');
    const three = nextEvent(client, 'unread', ({ count }) => count === 3);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(...(await publish(app.baseUrl, { type: 'ping', payload: { n }, userIds: ['linus'] })).map((s) => s.id));
    await three;
    expect(await client.read([ids[0]])).toBe(2);
    expect(client.unreadCount).toBe(2);
    expect(await client.read('all')).toBe(0);
    expect(client.unreadCount).toBe(0);
  });

  it('subscribes to a public topic, receives it in order, and stops receiving after unsubscribe', async () => {
    const client = connect('barbara');
    await nextEvent(client, 'welcome');
    const subscribed = await client.subscribe('deploys');
    expect(subscribed).toEqual({ topic: 'deploys', recovered: false, missed: 0 });
    const received = record(client, 'notification');
    for (const n of [1, 2, 3]) await publish(app.baseUrl, { type: 'deploy', payload: { n }, topic: 'deploys' });
    await until(() => received.length === 3, 'three notifications');
    expect(received.map((note) => note.payload.n)).toEqual([1, 2, 3]);

    expect(await client.unsubscribe('deploys')).toEqual({ topic: 'deploys' });
    await publish(app.baseUrl, { type: 'deploy', payload: { n: 4 }, topic: 'deploys' });
    await sleep(300);
    expect(received).toHaveLength(3);
    expect(client.topics).not.toContain('deploys');
  });

  it('subscribes to topics given in options as soon as it is open', async () => {
    const client = new NotificationsClient({ url: app.wsUrl, user: 'edsger', topics: ['builds'], WebSocket });
    clients.push(client);
    const subscribed = nextEvent(client, 'subscribed', ({ topic }) => topic === 'builds');
    client.connect();
    await subscribed;
    const arrived = nextEvent(client, 'notification');
    await publish(app.baseUrl, { type: 'build.done', topic: 'builds' });
    expect((await arrived).topic).toBe('builds');
  });

  it('rejects a subscribe the server refuses, and forgets that topic', async () => {
    const client = connect('tony');
    await nextEvent(client, 'welcome');
    const exception = nextEvent(client, 'exception');
    await expect(client.subscribe('user:someone-else')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await exception).cause).toEqual({ pattern: 'subscribe', data: { topic: 'user:someone-else' } });
    expect(client.topics).not.toContain('user:someone-else');
  });

  it('comes back slowly after a policy close (1008) instead of hammering', async () => {
    const client = new NotificationsClient({
      url: app.wsUrl,
      user: 'mallory',
      WebSocket,
      reconnect: { baseDelayMs: 10, maxDelayMs: 60_000 },
    });
    clients.push(client);
    client.connect();
    await nextEvent(client, 'welcome');
    const closed = nextEvent(client, 'disconnected');
    // Each invalid topic is one refused command; more than 20 within 10 s is abuse.
    for (let i = 0; i < 25; i += 1) client.subscribe(`bad topic ${i}`).catch(() => undefined);
    expect(await closed).toMatchObject({ code: 1008, reconnectInMs: 60_000 });
    const states = record(client, 'state');
    await sleep(500);
    expect(client.state).toBe('reconnecting');
    expect(states).toEqual([]);
  });
});
