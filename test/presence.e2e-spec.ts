import { randomBytes } from 'node:crypto';
import { NotificationsService, type PresenceTransition } from '../src/notifications/index.js';
import { eventually, until } from './support/eventually.js';
import { http } from './support/http.js';
import { type RunningApp, startApp } from './support/start-app.js';
import { TcpProxy } from './support/tcp-proxy.fixture.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const { REDIS_URL } = process.env;
if (!REDIS_URL) console.log('Presence on Redis skipped: REDIS_URL unset');

const backends: Array<[string, Record<string, unknown>]> = [['local', { broker: 'local' }]];
if (REDIS_URL) backends.push(['redis', { broker: 'redis', redisUrl: REDIS_URL }]);

describe.each(backends)('presence (%s broker)', (_name, broker) => {
  let running: RunningApp;
  let transitions: PresenceTransition[];
  const clients = ClientPool.closedAfterEach();
  const connect = (userId: string): Promise<TestClient> => clients.connect(`${running.wsUrl}?user=${userId}`);
  const online = async (...userIds: string[]): Promise<Record<string, boolean>> => {
    const { status, body } = await http(running.baseUrl, 'GET', `/presence?userIds=${userIds.join(',')}`);
    expect(status).toBe(200);
    return body.online;
  };
  const of = (userId: string) => transitions.filter((t) => t.userId === userId).map((t) => t.online);

  beforeAll(async () => {
    running = await startApp({ ...broker, redisChannel: `presence:${randomBytes(6).toString('hex')}`, presenceGraceS: 1 });
    transitions = [];
    running.app.get(NotificationsService).presence$.subscribe((transition) => transitions.push(transition));
  });
  afterAll(() => running.close());

  it('counts a user with 20 connections as one online user, offline only once the last closes', async () => {
    const tabs = await Promise.all(Array.from({ length: 20 }, () => connect('tabs')));
    expect(await online('tabs', 'nobody')).toEqual({ tabs: true, nobody: false });
    for (const tab of tabs.slice(1)) {
      tab.close();
      await tab.waitClose();
    }
    expect(await online('tabs')).toEqual({ tabs: true });
    tabs[0].close();
    await until(() => of('tabs').length === 2, 'the offline transition', 5000);
    expect(await online('tabs')).toEqual({ tabs: false });
    expect(of('tabs')).toEqual([true, false]);
    const offline = transitions.find((t) => t.userId === 'tabs' && !t.online)!;
    expect(Number.isNaN(Date.parse(offline.at))).toBe(false);
  });

  it('announces nothing for a reload inside the grace period', async () => {
    const first = await connect('reloader');
    await until(() => of('reloader').length === 1, 'the online transition');
    first.close();
    await first.waitClose();
    await connect('reloader');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(of('reloader')).toEqual([true]);
    expect(await online('reloader')).toEqual({ reloader: true });
  });

  it('answers 400 with field errors for a bad userIds list', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => `u${i}`).join(',');
    for (const query of ['', '?userIds=', '?userIds=a,,b', '?userIds=a%20b', `?userIds=${tooMany}`, '?other=1&userIds=a']) {
      const { status, body } = await http(running.baseUrl, 'GET', `/presence${query}`);
      expect([query, status]).toEqual([query, 400]);
      expect(body.errors.length).toBeGreaterThan(0);
    }
  });
});

/** Presence while Redis is unreachable: REST says so, and the instance's share is rebuilt once it is back. */
(REDIS_URL ? describe : describe.skip)('presence across a Redis outage', () => {
  let proxy: TcpProxy;
  let running: RunningApp;
  const clients = new ClientPool();

  beforeAll(async () => {
    const redis = new URL(REDIS_URL!);
    proxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    running = await startApp({
      broker: 'redis',
      redisUrl: `redis://127.0.0.1:${proxy.port}`,
      redisChannel: `presence-outage:${randomBytes(6).toString('hex')}`,
      brokerTimeoutMs: 500,
      heartbeatMs: 1000,
    });
  });
  afterAll(async () => {
    clients.closeAll();
    await proxy.resume();
    await running.close();
    await proxy.cut();
  });

  it('answers 503 while Redis is cut, and counts the users who connected meanwhile once it is back', async () => {
    await proxy.cut();
    const { status, body } = await http(running.baseUrl, 'GET', '/presence?userIds=outage');
    expect([status, body.message]).toEqual([503, 'presence unavailable']);
    await clients.connect(`${running.wsUrl}?user=outage`);
    await proxy.resume();
    await eventually(async () => {
      const answer = await http(running.baseUrl, 'GET', '/presence?userIds=outage');
      expect(answer.body).toEqual({ online: { outage: true } });
    }, 'the user connected during the outage counted', 15_000);
  });
});

/** presence$ is cluster-wide: every instance's stream has every transition, once. */
(REDIS_URL ? describe : describe.skip)('presence$ on two instances sharing Redis', () => {
  const apps: RunningApp[] = [];
  const seen: PresenceTransition[][] = [[], []];

  beforeAll(async () => {
    const shared = { broker: 'redis', redisUrl: REDIS_URL, redisChannel: `presence-two:${randomBytes(6).toString('hex')}`, presenceGraceS: 1 } as const;
    apps.push(await startApp(shared), await startApp(shared));
    apps.forEach((app, index) => app.app.get(NotificationsService).presence$.subscribe((transition) => seen[index].push(transition)));
  });
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('shows each instance the online and the graced offline of a user connected to the other, once each', async () => {
    const erin = await TestClient.connect(`${apps[0].wsUrl}?user=erin`);
    const erinOnB = await TestClient.connect(`${apps[1].wsUrl}?user=erin`);
    erin.close();
    erinOnB.close();
    await until(() => seen.every((transitions) => transitions.length === 2), 'both transitions on both instances', 5000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const transitions of seen) expect(transitions.map(({ userId, online }) => [userId, online])).toEqual([['erin', true], ['erin', false]]);
    expect(seen[0]).toEqual(seen[1]);
  });
});
