import { randomBytes } from 'node:crypto';
import { formatNotificationId, parseNotificationId } from '../src/notifications/store/notification-id.js';
import { RedisServerProcess } from './broker/redis-server.fixture.js';
import { eventually } from './support/eventually.js';
import { http } from './support/http.js';
import { type PublishRecord, PublishStream } from './support/publish-stream.js';
import { publish } from './support/rest-publish.js';
import { ScratchDatabase } from './support/scratch-database.fixture.js';
import { type ServiceInstance, startInstance } from './support/service-instance.fixture.js';
import { TcpProxy } from './support/tcp-proxy.fixture.js';
import { ClientPool } from './support/client-pool.js';
import { type Frame, TestClient } from './support/ws-client.js';
import { describeWithRedisAndPostgres } from './support/cluster.fixture.js';

const { DATABASE_URL } = process.env;
// REDIS_URL only says that Redis is part of this environment; the test runs a redis-server of its own.
const describeBrokerFault = describeWithRedisAndPostgres('Broker fault e2e');

const notificationsIn = (frames: Frame[]) => frames.filter((f) => f.event === 'notification').map((f) => f.data);

/** Redis killed and restarted under two instances that keep publishing to one topic. */
describeBrokerFault('scale-out: Redis goes away and comes back', () => {
  const run = randomBytes(6).toString('hex');
  let redis: RedisServerProcess;
  let database: ScratchDatabase;
  let a: ServiceInstance;
  let b: ServiceInstance;
  const clients = new ClientPool();

  const connect = (instance: ServiceInstance): Promise<TestClient> => clients.connect(instance.wsUrl);
  const ready = (instance: ServiceInstance) => http(instance.baseUrl, 'GET', '/health/ready');
  /** The topic's whole stored history, page by page from before its first id. */
  const history = async (topic: string): Promise<Array<{ id: string }>> => {
    const { body: latest } = await http(a.baseUrl, 'GET', `/topics/${topic}/notifications?limit=1`);
    const all: Array<{ id: string }> = [];
    let since = formatNotificationId(parseNotificationId(latest.items[0].id)!.epoch, 0);
    for (;;) {
      const { body } = await http(a.baseUrl, 'GET', `/topics/${topic}/notifications?limit=1000&since=${since}`);
      all.push(...body.items);
      if (body.items.length < 1000) return all;
      since = all[all.length - 1].id;
    }
  };

  /** What the outage left behind, for each test below to examine. */
  const outage = {
    topic: `fault.${run}`,
    readyWhileDown: [] as Array<{ status: number; body: any }>,
    records: [] as PublishRecord[],
    stored: [] as Array<{ id: string }>,
    /** Kept their sockets through the outage. */
    stayers: [] as TestClient[],
    /** What each client that left before the outage had seen; it comes back by `since`. */
    leaverViews: [] as Array<{ seen: Array<{ id: string }>; returnsTo: ServiceInstance }>,
  };

  beforeAll(async () => {
    redis = await RedisServerProcess.onSparePort();
    await redis.start();
    database = await ScratchDatabase.create(DATABASE_URL!);
    const env = {
      STORE: 'postgres',
      DATABASE_URL: database.url,
      BROKER: 'redis',
      REDIS_URL: redis.url,
      REDIS_CHANNEL: `broker-fault:${run}`,
      LOG_LEVEL: 'error',
    };
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);

    const { topic } = outage;
    outage.stayers = [await connect(a), await connect(b)];
    const leavers = [await connect(a), await connect(b)];
    for (const client of [...outage.stayers, ...leavers]) await client.request('subscribe', { topic }, 'subscribed');

    // Both instances publish to the one topic before, during and after the outage.
    const streams = [new PublishStream(a.baseUrl, topic, 2), new PublishStream(b.baseUrl, topic, 2)];
    const ackedSoFar = () => streams.reduce((count, stream) => count + stream.record.acked.size, 0);
    const ackMore = (count: number) => {
      const target = ackedSoFar() + count;
      return eventually(() => expect(ackedSoFar()).toBeGreaterThanOrEqual(target), `${count} more acknowledged publishes`, 20_000);
    };
    await ackMore(40);
    await eventually(() => leavers.forEach((client) => expect(notificationsIn(client.frames).length).toBeGreaterThan(0)), 'live delivery');
    leavers.forEach((client) => client.close());
    await Promise.all(leavers.map((client) => client.waitClose()));
    outage.leaverViews = leavers.map((client, index) => ({ seen: notificationsIn(client.frames), returnsTo: [b, a][index] }));

    await redis.kill();
    await ackMore(60);
    outage.readyWhileDown = await Promise.all([a, b].map(ready));
    await redis.start();
    await Promise.all([a, b].map((instance) => eventually(async () => expect((await ready(instance)).status).toBe(200), 'ready again')));
    await ackMore(40);
    streams.forEach((stream) => stream.stop());
    outage.records = await Promise.all(streams.map((stream) => stream.settled()));
    outage.stored = await history(topic);
  }, 90_000);
  afterAll(async () => {
    clients.closeAll();
    await Promise.all([a, b].filter(Boolean).map((instance) => instance.stop()));
    await redis?.kill();
    await database?.drop();
  });

  it('while Redis is down, /health/ready answers 503 naming the broker, and the store stays up', () => {
    expect(outage.readyWhileDown).toHaveLength(2);
    for (const { status, body } of outage.readyWhileDown) {
      expect(status).toBe(503);
      expect(body.error).toEqual({ broker: expect.objectContaining({ status: 'down' }) });
      expect(body.info).toEqual({ store: expect.objectContaining({ status: 'up' }) });
    }
  });

  it('every publish, through the outage, answered 202 and was stored, or a clean 503 and was not: none lost silently', () => {
    for (const { refused, unanswered } of outage.records) {
      expect(unanswered.size).toBe(0);
      expect([...new Set(refused.values())].filter((status) => status !== 503)).toEqual([]);
    }
    const acked = new Set(outage.records.flatMap(({ acked }) => [...acked.values()]));
    expect(acked.size).toBeGreaterThanOrEqual(140);
    expect(new Set(outage.stored.map(({ id }) => id))).toEqual(acked);
  });

  it('the sockets that stayed open through the outage get every stored notification exactly once, in id order (Hub catch-up)', async () => {
    const storedIds = outage.stored.map(({ id }) => id);
    for (const client of outage.stayers) {
      await eventually(() => expect(notificationsIn(client.frames).map(({ id }) => id)).toEqual(storedIds), 'the live view to match the history', 15_000);
    }
    expect(outage.stayers.map((client) => client.closeCode)).toEqual([null, null]);
  });

  it('a client that left resubscribes with since on the other instance and gets everything it missed, once, in order', async () => {
    const { topic, stored } = outage;
    for (const { seen, returnsTo } of outage.leaverViews) {
      const client = await connect(returnsTo);
      const subscribed = await client.request('subscribe', { topic, since: seen[seen.length - 1].id }, 'subscribed');
      expect(subscribed.data).toEqual({ topic, recovered: true, missed: stored.length - seen.length });
      const replayed = [];
      for (let i = 0; i < subscribed.data.missed; i++) replayed.push((await client.next('notification')).data);
      expect([...seen, ...replayed]).toEqual(stored);
      await client.expectNone('notification', 200);
    }
  });
});

/**
 * One instance loses Redis while the other keeps it: the first stores and delivers its
 * publishes itself, and the second must notice what never reached it before it delivers its own.
 */
describeBrokerFault('scale-out: one instance loses Redis, the other keeps it', () => {
  const run = randomBytes(6).toString('hex');
  const topic = `split.${run}`;
  let redis: RedisServerProcess;
  let proxy: TcpProxy;
  let database: ScratchDatabase;
  let a: ServiceInstance;
  let b: ServiceInstance;
  let onA: TestClient;
  let onB: TestClient;

  const publishSplit = async (instance: ServiceInstance, n: number): Promise<string> => (await publish(instance.baseUrl, { type: 'split', topic, payload: { n } }))[0].id;
  const brokerUp = async (instance: ServiceInstance) => (await http(instance.baseUrl, 'GET', '/health/ready')).status === 200;
  const ids = (client: TestClient) => notificationsIn(client.frames).map(({ id }) => id);

  beforeAll(async () => {
    redis = await RedisServerProcess.onSparePort();
    await redis.start();
    const target = new URL(redis.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port));
    database = await ScratchDatabase.create(DATABASE_URL!);
    const env = { STORE: 'postgres', DATABASE_URL: database.url, BROKER: 'redis', REDIS_CHANNEL: `split:${run}`, LOG_LEVEL: 'error' };
    [a, b] = await Promise.all([
      startInstance({ ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` }),
      startInstance({ ...env, REDIS_URL: redis.url }),
    ]);
    [onA, onB] = await Promise.all([TestClient.connect(a.wsUrl), TestClient.connect(b.wsUrl)]);
    for (const client of [onA, onB]) await client.request('subscribe', { topic }, 'subscribed');
  }, 30_000);
  afterAll(async () => {
    for (const client of [onA, onB]) client?.close();
    await Promise.all([a, b].filter(Boolean).map((instance) => instance.stop()));
    await proxy?.cut();
    await redis?.kill();
    await database?.drop();
  });

  it('the other instance’s sockets get what the cut-off one published, before what follows, once and in order', async () => {
    const before = await publishSplit(b, 0);
    await eventually(() => [onA, onB].forEach((client) => expect(ids(client)).toEqual([before])), 'live delivery on both');

    await proxy.cut();
    await eventually(async () => expect(await brokerUp(a)).toBe(false), 'a to lose Redis');
    const cutOff = await publishSplit(a, 1);
    await eventually(() => expect(ids(onA)).toEqual([before, cutOff]), 'a to deliver its own publish');
    // b hears of `cutOff` only from the store: its next notification names it as the one before.
    const after = await publishSplit(b, 2);
    await eventually(() => expect(ids(onB)).toEqual([before, cutOff, after]), 'b to catch up what never reached it');

    await proxy.resume();
    await eventually(async () => expect(await brokerUp(a)).toBe(true), 'a to have Redis again', 15_000);
    const last = await publishSplit(a, 3);
    for (const client of [onA, onB]) {
      await eventually(() => expect(ids(client)).toEqual([before, cutOff, after, last]), 'both views to match the history');
    }
    // Nothing more arrives: no id goes out twice.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ids(onA)).toEqual([before, cutOff, after, last]);
    expect(ids(onB)).toEqual([before, cutOff, after, last]);
  });

  it('the cut-off instance’s sockets get what the other published meanwhile once it is subscribed again, with nothing published after', async () => {
    const seen = ids(onA);
    await proxy.cut();
    await eventually(async () => expect(await brokerUp(a)).toBe(false), 'a to lose Redis');
    const missed = await publishSplit(b, 4);
    await eventually(() => expect(ids(onB)).toEqual([...seen, missed]), 'live delivery on b');

    await proxy.resume();
    await eventually(() => expect(ids(onA)).toEqual([...seen, missed]), 'a to catch up from the store', 15_000);
  });
});
