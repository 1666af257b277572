import { NOTIFICATION_STORE, type NotificationStore } from '../src/notifications/index.js';
import { RedisServerProcess } from './broker/redis-server.fixture.js';
import { http } from './support/http.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const API_KEY = 'metrics-test-api-key-0123456789';

/** Reads `GET /metrics` into `name{labels}` → value, e.g. `notifications_published_total{target="topic"}`. */
async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1], Number(match[2]));
  }
  return samples;
}

/** Prometheus metrics at GET /metrics (contract section 6), moved by real traffic. */
describe('metrics', () => {
  let running: RunningApp;
  const clients = ClientPool.closedAfterEach();
  const connect = (query = ''): Promise<TestClient> => clients.connect(`${running.wsUrl}${query}`);
  const post = (body: unknown) => http(running.baseUrl, 'POST', '/notifications', body, { authorization: `Bearer ${API_KEY}` });
  /** What moved between two scrapes. */
  const change = (before: Map<string, number>, after: Map<string, number>, sample: string): number =>
    (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

  beforeAll(async () => {
    running = await startApp({ apiKey: API_KEY, maxBadFrames: 2 });
  });
  afterAll(() => running.close());

  it('is served without an API key, with the default process metrics and zeroed series', async () => {
    const samples = await scrape(running.baseUrl);
    expect(samples.get('process_cpu_user_seconds_total')).toEqual(expect.any(Number));
    expect(samples.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    for (const target of ['users', 'topic', 'broadcast']) expect(samples.has(`notifications_published_total{target="${target}"}`)).toBe(true);
    for (const code of ['1008', '4001', '4008']) expect(samples.has(`notifications_closes_total{code="${code}"}`)).toBe(true);
  });

  it('reports an event-loop stall in the lag metrics', async () => {
    await scrape(running.baseUrl); // each scrape starts the delay histogram afresh
    // The histogram's first interval after a reset is not recorded: let it pass before stalling.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 250;
    while (performance.now() < until); // the service runs in this process: its loop stalls too
    await new Promise((resolve) => setTimeout(resolve, 150));
    const samples = await scrape(running.baseUrl);
    expect(samples.get('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.2);
  });

  it('counts connections and subscriptions, up and back down', async () => {
    const before = await scrape(running.baseUrl);
    const alice = await connect('?user=alice');
    await alice.next('unread');
    await alice.request('subscribe', { topic: 'orders' }, 'subscribed');
    // A second subscribe to the same topic is not a second membership.
    await alice.request('subscribe', { topic: 'orders' }, 'subscribed');
    const open = await scrape(running.baseUrl);
    expect(change(before, open, 'notifications_connections')).toBe(1);
    // broadcast, user:alice, orders
    expect(change(before, open, 'notifications_subscriptions')).toBe(3);
    await alice.request('unsubscribe', { topic: 'orders' }, 'unsubscribed');
    expect(change(before, await scrape(running.baseUrl), 'notifications_subscriptions')).toBe(2);
    alice.close();
    await alice.waitClose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = await scrape(running.baseUrl);
    expect(change(before, closed, 'notifications_connections')).toBe(0);
    expect(change(before, closed, 'notifications_subscriptions')).toBe(0);
  });

  it('counts frames in by event, published by target kind, deliveries, and times each publish', async () => {
    const reader = await connect('?user=bob');
    await reader.next('unread');
    await reader.request('subscribe', { topic: 'orders' }, 'subscribed');
    await reader.request('ping', {}, 'pong');
    const before = await scrape(running.baseUrl);

    await post({ type: 'order.shipped', topic: 'orders' });
    await reader.next('notification');
    await post({ type: 'mention', userIds: ['bob', 'nobody-here'] });
    await reader.next('notification');
    await post({ type: 'maintenance', broadcast: true });
    await reader.next('notification');
    await reader.request('ping', {}, 'pong');
    await reader.request('ping', {}, 'pong');

    const after = await scrape(running.baseUrl);
    expect(change(before, after, 'notifications_published_total{target="topic"}')).toBe(1);
    expect(change(before, after, 'notifications_published_total{target="users"}')).toBe(2);
    expect(change(before, after, 'notifications_published_total{target="broadcast"}')).toBe(1);
    // One socket each time: bob's. The notification for an absent user reaches no socket.
    expect(change(before, after, 'notifications_delivered_total')).toBe(3);
    expect(change(before, after, 'notifications_publish_duration_seconds_count')).toBe(3);
    expect(change(before, after, 'notifications_publish_duration_seconds_sum')).toBeGreaterThan(0);
    expect(change(before, after, 'notifications_publish_duration_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(change(before, after, 'notifications_frames_received_total{event="ping"}')).toBe(2);
  });

  it('counts bad frames, the exceptions they get, and the 1008 close of a client that sends too many', async () => {
    const before = await scrape(running.baseUrl);
    const client = await connect();
    client.sendRaw('not json');
    await client.next('exception');
    client.send('shout', {});
    await client.next('exception');
    client.send('subscribe', { topic: '' });
    await client.next('exception');
    expect(await client.waitClose()).toBe(1008);
    const after = await scrape(running.baseUrl);
    expect(change(before, after, 'notifications_frames_received_total{event="invalid"}')).toBe(1);
    expect(change(before, after, 'notifications_frames_received_total{event="unknown"}')).toBe(1);
    expect(change(before, after, 'notifications_frames_received_total{event="subscribe"}')).toBe(1);
    expect(change(before, after, 'notifications_exceptions_total{code="BAD_JSON"}')).toBe(1);
    expect(change(before, after, 'notifications_exceptions_total{code="UNKNOWN_EVENT"}')).toBe(1);
    expect(change(before, after, 'notifications_exceptions_total{code="VALIDATION_FAILED"}')).toBe(1);
    expect(change(before, after, 'notifications_closes_total{code="1008"}')).toBe(1);
  });

  it('counts store failures by operation, and not the requests the store refuses on their merits', async () => {
    const before = await scrape(running.baseUrl);
    await post({ type: 't', topic: 'twice', idempotencyKey: 'same-key' });
    expect((await post({ type: 'other', topic: 'twice', idempotencyKey: 'same-key' })).status).toBe(409);
    expect(change(before, await scrape(running.baseUrl), 'notifications_store_errors_total{operation="append"}')).toBe(0);

    await running.app.get<NotificationStore>(NOTIFICATION_STORE).close();
    expect((await post({ type: 't', topic: 'orders' })).status).toBe(503);
    expect((await http(running.baseUrl, 'GET', '/health/ready')).status).toBe(503);
    const after = await scrape(running.baseUrl);
    expect(change(before, after, 'notifications_store_errors_total{operation="append"}')).toBe(1);
    expect(change(before, after, 'notifications_store_errors_total{operation="ping"}')).toBe(1);
  });

  it('counts broker failures by operation: a publish while Redis is away is still accepted and delivered here', async () => {
    const redis = await RedisServerProcess.onSparePort();
    await redis.start();
    const clustered = await startApp({ broker: 'redis', redisUrl: redis.url });
    try {
      const reader = await TestClient.connect(clustered.wsUrl);
      await reader.request('subscribe', { topic: 'orders' }, 'subscribed');
      const before = await scrape(clustered.baseUrl);
      await redis.kill();
      expect((await http(clustered.baseUrl, 'POST', '/notifications', { type: 't', topic: 'orders' })).status).toBe(202);
      await reader.next('notification');
      const after = await scrape(clustered.baseUrl);
      expect(change(before, after, 'notifications_broker_errors_total{operation="publish"}')).toBe(1);
      expect(change(before, after, 'notifications_delivered_total')).toBe(1);
      reader.close();
    } finally {
      await clustered.close();
      await redis.kill();
    }
  });
});
