import { WebSocket } from 'ws';
import { startApp } from '../../test/support/start-app.js';
import { NotificationsClient, type Notification } from '../src/index.js';
import { nextEvent, record, sleep, until } from './support/client-probe.js';
import { publish } from './support/rest-publisher.js';
import { UpgradeBlockingProxy } from './support/upgrade-blocking.proxy.js';

const running = await startApp({ store: 'memory' });
afterAll(() => running.close());

const FAST_RECONNECT = { baseDelayMs: 50, maxDelayMs: 200 };

describe('NotificationsClient behind a proxy that blocks WebSocket upgrades', () => {
  let proxy: UpgradeBlockingProxy;
  const clients: NotificationsClient[] = [];
  const connect = (user: string): NotificationsClient => {
    const client = new NotificationsClient({ url: `ws://127.0.0.1:${proxy.port}/ws`, user, WebSocket, reconnect: FAST_RECONNECT });
    clients.push(client);
    client.connect();
    return client;
  };

  beforeEach(async () => {
    proxy = await UpgradeBlockingProxy.start(running.port);
  });
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await proxy.close();
  });

  it('goes back to the WebSocket when there is no stream either (an older service), and connects once upgrades pass', async () => {
    proxy.hideSse = true;
    const client = connect('gus');
    await until(() => proxy.upgradesRefused >= 4 && proxy.streamsAsked >= 2, 'two rounds of WebSocket, stream, WebSocket attempts', 10_000);
    expect(client.state).not.toBe('open');
    proxy.blockUpgrades = false;
    await nextEvent(client, 'welcome', undefined, 10_000);
    expect(client.transportKind).toBe('websocket');
  });

  describe('with the service streaming /sse', () => {
    const ids = (list: Notification[], topic: string): string[] => list.filter((n) => n.topic === topic).map((n) => n.id);

    it('falls back to Server-Sent Events, sends its commands with POST /commands, and recovers a dropped stream with no gap and no duplicate', async () => {
      const client = connect('fay');
      const received = record(client, 'notification');
      await nextEvent(client, 'welcome', undefined, 10_000);
      expect(client.transportKind).toBe('sse');
      expect(proxy.upgradesRefused).toBe(2);
      expect(await client.subscribe('fallback-deploys')).toEqual({ topic: 'fallback-deploys', recovered: false, missed: 0 });

      const sent: { id: string; topic: string }[] = [];
      const publishBoth = async (n: number): Promise<void> => {
        sent.push(...(await publish(running.baseUrl, { type: 'order.shipped', payload: { n }, userIds: ['fay'] })));
        sent.push(...(await publish(running.baseUrl, { type: 'deploy', payload: { n }, topic: 'fallback-deploys' })));
      };
      await publishBoth(1);
      await until(() => received.length === 2, 'the first two notifications');

      // The stream drops and cannot come back for a while: what is published meanwhile must be replayed.
      proxy.refuseStreams = true;
      const disconnected = nextEvent(client, 'disconnected');
      proxy.dropStreams();
      await disconnected;
      for (const n of [2, 3, 4]) await publishBoth(n);
      proxy.refuseStreams = false;
      await nextEvent(client, 'welcome', undefined, 10_000);
      await publishBoth(5);
      await until(() => received.length === sent.length, 'every notification', 10_000);
      await sleep(300);

      for (const topic of ['user:fay', 'fallback-deploys']) expect(ids(received, topic)).toEqual(ids(sent as Notification[], topic));
      expect(received).toHaveLength(sent.length);
      expect(client.transportKind).toBe('sse');
      expect(await client.read('all')).toBe(0);
    });

    it('answers a refused command with its exception over POST /commands', async () => {
      const client = connect('hal');
      await nextEvent(client, 'welcome', undefined, 10_000);
      expect(client.transportKind).toBe('sse');
      await expect(client.subscribe('user:someone-else')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });
});
