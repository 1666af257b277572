import { WebSocket } from 'ws';
import { Hub } from '../../src/notifications/hub/hub.service.js';
import { startApp } from '../../test/support/start-app.js';
import { NotificationsClient } from '../src/index.js';
import { record, until } from './support/client-probe.js';

type App = Awaited<ReturnType<typeof startApp>>;

/** The client keeps to the server's COMMAND_RATE, however many topics it has to (re)subscribe to. */
describe('NotificationsClient and COMMAND_RATE', () => {
  const TOPICS = Array.from({ length: 24 }, (_, i) => `rate.${i}`);
  let app: App;
  let client: NotificationsClient;

  beforeAll(async () => {
    app = await startApp({ commandRate: 5 });
  });
  afterEach(() => client?.close());
  afterAll(() => app.close());

  it('subscribes to many topics at once without a RATE_LIMITED, on connect and after a drop', async () => {
    client = new NotificationsClient({ url: app.wsUrl, user: 'rita', topics: TOPICS, WebSocket, commandRate: 5, reconnect: { baseDelayMs: 50, maxDelayMs: 50 } });
    const subscribed = record(client, 'subscribed');
    const exceptions = record(client, 'exception');
    client.connect();
    await until(() => TOPICS.every((topic) => subscribed.some((s) => s.topic === topic)), 'every topic subscribed', 15_000);

    subscribed.length = 0;
    // The server drops every socket: the client comes back and resubscribes to all of them (with since).
    app.app.get(Hub).closeAll(1001, 'restarting');
    await until(() => TOPICS.every((topic) => subscribed.some((s) => s.topic === topic)), 'every topic subscribed again', 15_000);
    expect(exceptions).toEqual([]);
  }, 40_000);

  it('is answered RATE_LIMITED without pacing (the limit it keeps to is real)', async () => {
    client = new NotificationsClient({ url: app.wsUrl, user: 'rudi', topics: TOPICS, WebSocket, commandRate: 1000 });
    const exceptions = record(client, 'exception');
    client.connect();
    await until(() => exceptions.some((e) => e.code === 'RATE_LIMITED'), 'a RATE_LIMITED', 5000);
  });
});
