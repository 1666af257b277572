import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { formatNotificationId, parseNotificationId } from '../../src/notifications/store/notification-id.js';
import { eventually } from '../support/eventually.js';
import { http } from '../support/http.js';
import { type PublishRecord, PublishStream } from '../support/publish-stream.js';
import { ScratchDatabase } from '../support/scratch-database.fixture.js';
import { type RunningApp, startApp } from '../support/start-app.js';
import { TcpProxy } from '../support/tcp-proxy.fixture.js';
import { advisoryLocksHeldBy } from '../support/advisory-locks.js';
import { ClientPool } from '../support/client-pool.js';
import { TestClient } from '../support/ws-client.js';
import { describeWithRedisAndPostgres } from '../support/cluster.fixture.js';

const { REDIS_URL, DATABASE_URL } = process.env;
const describeStall = describeWithRedisAndPostgres('Dependency stall e2e');

const STORE_TIMEOUT_MS = 1000;
const BROKER_TIMEOUT_MS = 500;

/**
 * Two instances share PostgreSQL and Redis; `a` reaches both through proxies that a test stalls:
 * the packets stop, nothing is closed or reset, as when a network drops them. `b`, which reaches
 * both directly, must keep publishing within the configured timeouts, and nothing acknowledged
 * may be lost to either instance's sockets.
 */
describeStall('a dependency that stops answering under one of two instances', () => {
  const run = randomBytes(6).toString('hex');
  let database: ScratchDatabase;
  let admin: pg.Client;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let a: RunningApp;
  let b: RunningApp;
  const clients = new ClientPool();

  beforeAll(async () => {
    database = await ScratchDatabase.create(DATABASE_URL!, 'stall');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    pgProxy = await TcpProxy.start(database.server.host, database.server.port);
    const redis = new URL(REDIS_URL!);
    redisProxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    const shared = { store: 'postgres', broker: 'redis', redisChannel: `stall:${run}`, storeTimeoutMs: STORE_TIMEOUT_MS, brokerTimeoutMs: BROKER_TIMEOUT_MS } as const;
    a = await startApp({ ...shared, databaseUrl: database.urlVia('127.0.0.1', pgProxy.port), redisUrl: `redis://127.0.0.1:${redisProxy.port}` });
    b = await startApp({ ...shared, databaseUrl: database.url, redisUrl: REDIS_URL });
  });
  afterAll(async () => {
    clients.closeAll();
    await pgProxy?.resume();
    await redisProxy?.resume();
    await Promise.all([a, b].filter(Boolean).map((instance) => instance.close()));
    await Promise.all([pgProxy, redisProxy].map((proxy) => proxy?.cut()));
    await admin?.end();
    await database?.drop();
  });

  const ready = (instance: RunningApp) => http(instance.baseUrl, 'GET', '/health/ready');
  const watch = async (instance: RunningApp, topic: string): Promise<TestClient> => {
    const client = await clients.connect(instance.wsUrl);
    await client.request('subscribe', { topic }, 'subscribed');
    return client;
  };
  const liveIds = (client: TestClient): string[] => client.frames.filter((f) => f.event === 'notification').map((f) => f.data.id);
  /** The topic's whole stored history, in id order. */
  const stored = async (topic: string): Promise<string[]> => {
    const { body: latest } = await http(b.baseUrl, 'GET', `/topics/${topic}/notifications?limit=1`);
    const ids: string[] = [];
    let since = formatNotificationId(parseNotificationId(latest.items[0].id)!.epoch, 0);
    for (;;) {
      const { body } = await http(b.baseUrl, 'GET', `/topics/${topic}/notifications?limit=1000&since=${since}`);
      ids.push(...body.items.map((item: { id: string }) => item.id));
      if (body.items.length < 1000) return ids;
      since = ids[ids.length - 1];
    }
  };
  /** Every acknowledged id is stored, and every socket that stayed gets the stored history live, once and in order. */
  const expectNothingLost = async (topic: string, records: PublishRecord[], stayers: TestClient[]): Promise<void> => {
    for (const { unanswered, refused } of records) {
      expect(unanswered.size).toBe(0);
      expect([...new Set(refused.values())].filter((status) => status !== 503)).toEqual([]);
    }
    const history = await stored(topic);
    const acked = records.flatMap(({ acked }) => [...acked.values()]);
    expect(acked.filter((id) => !history.includes(id))).toEqual([]);
    for (const client of stayers) {
      await eventually(() => expect(liveIds(client)).toEqual(history), 'the live view to match the history', 15_000);
      expect(client.closeCode).toBeNull();
    }
  };
  /** Advisory locks held by server sessions that reach PostgreSQL through `a`'s proxy. */
  const locksHeldThroughProxy = (): Promise<number> => advisoryLocksHeldBy(admin, pgProxy.upstreamPorts);

  it('PostgreSQL stalls under one instance while it holds topic locks: the other publishes again within the timeouts, and nothing acknowledged is lost', async () => {
    const topic = `pg-stall.${run}`;
    const stayers = [await watch(a, topic), await watch(b, topic)];
    const streams = [new PublishStream(a.baseUrl, topic, 2), new PublishStream(b.baseUrl, topic, 2)];
    const [onA, onB] = streams;
    await Promise.all(streams.map((stream) => stream.acked(20)));

    // Stalled at a moment when `a` holds the topic's locks, or tried again until it is.
    await eventually(async () => {
      pgProxy.stall();
      if ((await locksHeldThroughProxy()) > 0) return;
      await pgProxy.resume();
      throw new Error('no lock held through the proxy when it stalled');
    }, 'a stall while a holds topic locks');
    const [aRefused, bAcked] = [onA.record.refused.size, onB.record.acked.size];

    // The stalled instance answers 503 within its timeouts instead of hanging, and says why.
    await eventually(() => expect(onA.record.refused.size).toBeGreaterThanOrEqual(aRefused + 4), 'a to refuse publishes', 4 * STORE_TIMEOUT_MS + 2000);
    const notReady = await ready(a);
    expect(notReady.status).toBe(503);
    expect(notReady.body.error).toEqual({ store: { status: 'down', message: 'store unavailable', responseTime: expect.any(Number) } });
    expect(notReady.body.info).toEqual({ broker: expect.objectContaining({ status: 'up' }) });
    // The other one publishes again once the server has ended the lost session (twice the store timeout idle).
    await onB.acked(bAcked + 20, 4 * STORE_TIMEOUT_MS + 3000);
    expect((await ready(b)).status).toBe(200);

    await pgProxy.resume();
    await eventually(async () => expect((await ready(a)).status).toBe(200), 'a ready again', 10_000);
    await Promise.all(streams.map((stream) => stream.acked(stream.record.acked.size + 20)));
    streams.forEach((stream) => stream.stop());
    await expectNothingLost(topic, await Promise.all(streams.map((stream) => stream.settled())), stayers);
  }, 60_000);

  it('Redis stalls under one instance: both keep publishing within the timeouts, readiness names the broker, and nothing acknowledged is lost', async () => {
    const topic = `redis-stall.${run}`;
    const stayers = [await watch(a, topic), await watch(b, topic)];
    const onA = new PublishStream(a.baseUrl, topic, 2);
    await onA.acked(20);

    redisProxy.stall();
    // `a` holds the topic's locks while its publish waits for Redis: at most the broker timeout, not Redis' pleasure.
    const bRecord: PublishRecord = { acked: new Map(), unanswered: new Set(), refused: new Map() };
    for (let n = 0; n < 15; n++) {
      const started = Date.now();
      const { status, body } = await http(b.baseUrl, 'POST', '/notifications', { type: 'timed', topic, payload: { n } });
      expect({ n, status, fast: Date.now() - started < BROKER_TIMEOUT_MS + STORE_TIMEOUT_MS }).toEqual({ n, status: 202, fast: true });
      bRecord.acked.set(n, body.notifications[0].id);
    }
    const aAcked = onA.record.acked.size;
    await onA.acked(aAcked + 10, 4 * BROKER_TIMEOUT_MS + 2000);
    const notReady = await ready(a);
    expect(notReady.status).toBe(503);
    expect(notReady.body.error).toEqual({ broker: { status: 'down', message: expect.stringMatching(/^broker unavailable$|^timeout of \d+ms exceeded$/), responseTime: expect.any(Number) } });
    expect(notReady.body.info).toEqual({ store: expect.objectContaining({ status: 'up' }) });
    expect((await ready(b)).status).toBe(200);

    await redisProxy.resume();
    await eventually(async () => expect((await ready(a)).status).toBe(200), 'a ready again', 10_000);
    await onA.acked(onA.record.acked.size + 20);
    onA.stop();
    await expectNothingLost(topic, [await onA.settled(), bRecord], stayers);
  }, 60_000);
});
