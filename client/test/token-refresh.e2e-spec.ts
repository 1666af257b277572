import { WebSocket } from 'ws';
import { startApp } from '../../test/support/start-app.js';
import { NotificationsClient, tokenExpiresAt } from '../src/index.js';
import { nextEvent, record, sleep } from './support/client-probe.js';
import { publish } from './support/rest-publisher.js';
import { hsToken } from '../../test/support/tokens.js';

type App = Awaited<ReturnType<typeof startApp>>;

const JWT_SECRET = 'client-e2e-secret-that-is-long-enough';
const API_KEY = 'client-e2e-api-key';

describe('NotificationsClient with JWT identity', () => {
  let app: App;
  const clients: NotificationsClient[] = [];
  const track = (client: NotificationsClient): NotificationsClient => (clients.push(client), client);

  beforeAll(async () => {
    app = await startApp({ store: 'memory', jwtSecret: JWT_SECRET, apiKey: API_KEY, jwtClockToleranceS: 0 });
  });
  afterEach(() => clients.splice(0).forEach((client) => client.close()));
  afterAll(() => app.close());

  it('connects with a token sent as access_token', async () => {
    const token = await hsToken('alice', {}, 600, JWT_SECRET);
    const client = track(new NotificationsClient({ url: app.wsUrl, token, WebSocket }));
    client.connect();
    expect((await nextEvent(client, 'welcome')).userId).toBe('alice');
    const arrived = nextEvent(client, 'notification');
    await publish(app.baseUrl, { type: 'hello', userIds: ['alice'] }, API_KEY);
    expect((await arrived).topic).toBe('user:alice');
  });

  it('refreshes a short-lived token with auth before it expires and stays connected past its exp', async () => {
    const issued: string[] = [];
    const getter = async (): Promise<string> => {
      issued.push(await hsToken('bob', {}, 3, JWT_SECRET));
      return issued.at(-1)!;
    };
    const client = track(new NotificationsClient({ url: app.wsUrl, token: getter, WebSocket }));
    const disconnects = record(client, 'disconnected');
    client.connect();
    await nextEvent(client, 'welcome');
    const firstExpiry = tokenExpiresAt(issued[0])!;

    const authenticated = await nextEvent(client, 'authenticated', () => true, 4000);
    expect(Date.now()).toBeLessThan(firstExpiry);
    expect(authenticated.userId).toBe('bob');
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(authenticated.expiresAt!)).toBe(tokenExpiresAt(issued[1]));

    await sleep(firstExpiry - Date.now() + 300);
    expect(disconnects).toEqual([]);
    expect(client.state).toBe('open');
    const arrived = nextEvent(client, 'notification');
    await publish(app.baseUrl, { type: 'still.here', userIds: ['bob'] }, API_KEY);
    expect((await arrived).type).toBe('still.here');
  });

  it('after 4001 with a static token, waits for setToken instead of reconnecting', async () => {
    const token = await hsToken('carol', {}, 2, JWT_SECRET);
    const client = track(new NotificationsClient({ url: app.wsUrl, token, WebSocket, reconnect: { baseDelayMs: 10 } }));
    client.connect();
    await nextEvent(client, 'welcome');
    expect(await nextEvent(client, 'disconnected', () => true, 4000)).toEqual({
      code: 4001,
      reason: expect.any(String),
      reconnectInMs: null,
    });
    expect(client.state).toBe('unauthorized');

    const states = record(client, 'state');
    await sleep(1000);
    expect(states).toEqual([]);

    const welcome = nextEvent(client, 'welcome');
    client.setToken(await hsToken('carol', {}, 600, JWT_SECRET));
    expect((await welcome).userId).toBe('carol');
    expect(states.map((change) => change.state)).toEqual(['connecting', 'open']);
  });

  it('after 4001, reconnects once the token getter hands out a fresh token', async () => {
    const stale = await hsToken('dave', {}, 2, JWT_SECRET);
    const fresh = await hsToken('dave', {}, 600, JWT_SECRET);
    // The getter keeps returning the short token (so no refresh helps) until it is asked after the 4001.
    let calls = 0;
    const disconnects: number[] = [];
    const getter = async (): Promise<string> => {
      calls += 1;
      return disconnects.includes(4001) ? fresh : stale;
    };
    const client = track(new NotificationsClient({ url: app.wsUrl, token: getter, WebSocket, reconnect: { baseDelayMs: 10 } }));
    client.on('disconnected', ({ code }) => disconnects.push(code));
    client.connect();
    await nextEvent(client, 'welcome');
    const rejoined = await nextEvent(client, 'welcome', () => true, 5000);
    expect(disconnects).toEqual([4001]);
    expect(rejoined.userId).toBe('dave');
    expect(client.state).toBe('open');
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('after 4001, stays unauthorized while the getter has nothing new', async () => {
    const stale = await hsToken('erin', {}, 2, JWT_SECRET);
    let calls = 0;
    const client = track(
      new NotificationsClient({
        url: app.wsUrl,
        token: async () => (calls += 1, stale),
        WebSocket,
        reconnect: { baseDelayMs: 10 },
      }),
    );
    client.connect();
    await nextEvent(client, 'welcome');
    await nextEvent(client, 'disconnected', ({ code }) => code === 4001, 4000);
    await sleep(1000);
    expect(client.state).toBe('unauthorized');
    const callsWhileWaiting = calls;
    await sleep(500);
    expect(calls).toBe(callsWhileWaiting);
  });
});
