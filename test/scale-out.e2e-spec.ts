import { Redis } from 'ioredis';
import { seqOf } from '../src/notifications/store/notification-id.js';
import { eventually } from './support/eventually.js';
import { http } from './support/http.js';
import { publish } from './support/rest-publish.js';
import { clusterFor, describeWithRedisAndPostgres } from './support/cluster.fixture.js';
import type { ServiceInstance } from './support/service-instance.fixture.js';
import { ClientPool } from './support/client-pool.js';
import { type Frame, TestClient } from './support/ws-client.js';

const describeScaleOut = describeWithRedisAndPostgres('Scale-out e2e');

const notificationsIn = (frames: Frame[]) => frames.filter((f) => f.event === 'notification').map((f) => f.data);

/** Two `node dist/main.js` processes on their own ports, one Redis channel and one database between them. */
describeScaleOut('scale-out: two instances sharing Redis and PostgreSQL', () => {
  const cluster = clusterFor('scale-out');
  const clients = ClientPool.closedAfterEach();

  const connect = (instance: ServiceInstance, userId?: string): Promise<TestClient> => clients.connect(userId === undefined ? instance.wsUrl : `${instance.wsUrl}?user=${userId}`);
  const subscribe = async (client: TestClient, topics: string[]): Promise<void> => {
    for (const topic of topics) expect((await client.request('subscribe', { topic }, 'subscribed')).data).toEqual({ topic, recovered: false, missed: 0 });
  };
  const history = async (instance: ServiceInstance, topic: string) => {
    const { status, body } = await http(instance.baseUrl, 'GET', `/topics/${topic}/notifications?limit=1000`);
    expect(status).toBe(200);
    return body.items as Array<{ id: string; payload: Record<string, unknown> }>;
  };

  it('every client on either instance gets every notification of its topics exactly once, in id order, while both instances publish', async () => {
    const { run, a, b } = cluster();
    const [orders, invoices] = [`orders.${run}`, `invoices.${run}`];
    const subscriptions: Array<[TestClient, string[]]> = [
      [await connect(a), [orders, invoices]],
      [await connect(a), [orders]],
      [await connect(b), [orders, invoices]],
      [await connect(b), [invoices]],
    ];
    for (const [client, topics] of subscriptions) await subscribe(client, topics);

    // Four producers per topic, two on each instance, each with its requests back to back.
    const perProducer = 25;
    const producers = [a, b].flatMap((instance, i) =>
      [orders, invoices].flatMap((topic) =>
        [0, 1].map(async (worker) => {
          const ids: string[] = [];
          for (let n = 0; n < perProducer; n++) {
            ids.push(...(await publish(instance.baseUrl, { type: 'scale.item', topic, payload: { instance: i, worker, n } })).map((x) => x.id));
          }
          return ids;
        }),
      ),
    );
    const acked = new Set((await Promise.all(producers)).flat());
    expect(acked.size).toBe(2 * 2 * 2 * perProducer);

    const stored = new Map<string, Array<{ id: string }>>();
    for (const topic of [orders, invoices]) {
      const fromA = await history(a, topic);
      expect(await history(b, topic)).toEqual(fromA);
      expect(fromA).toHaveLength(4 * perProducer);
      // Each producer's own notifications are stored in the order it sent them.
      for (const instance of [0, 1]) {
        for (const worker of [0, 1]) {
          const sent = fromA.filter(({ payload }) => payload.instance === instance && payload.worker === worker).map(({ payload }) => payload.n);
          expect(sent).toEqual(Array.from({ length: perProducer }, (_, n) => n));
        }
      }
      stored.set(topic, fromA);
    }
    expect(new Set([...stored.values()].flat().map(({ id }) => id))).toEqual(acked);

    for (const [client, topics] of subscriptions) {
      const expected = topics.reduce((count, topic) => count + stored.get(topic)!.length, 0);
      await eventually(() => expect(notificationsIn(client.frames)).toHaveLength(expected), 'every notification on every client');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [client, topics] of subscriptions) {
      const received = notificationsIn(client.frames);
      expect(received).toHaveLength(topics.reduce((count, topic) => count + stored.get(topic)!.length, 0));
      for (const topic of topics) expect(received.filter((n) => n.topic === topic)).toEqual(stored.get(topic));
    }
  });

  it("a user's personal notifications reach the user's connections on both instances, whichever instance published them", async () => {
    const { run, a, b } = cluster();
    const [alice, bob] = [`alice-${run}`, `bob-${run}`];
    const aliceOnA = await connect(a, alice);
    const aliceOnB = await connect(b, alice);
    const bobOnB = await connect(b, bob);
    for (const client of [aliceOnA, aliceOnB, bobOnB]) expect((await client.next('unread')).data).toEqual({ count: 0 });

    const [first] = await publish(a.baseUrl, { type: 'inbox.item', userIds: [alice], payload: { n: 1 } });
    for (const client of [aliceOnA, aliceOnB]) {
      expect((await client.next('notification')).data).toMatchObject({ id: first.id, topic: `user:${alice}`, payload: { n: 1 } });
      expect((await client.next('unread')).data).toEqual({ count: 1 });
    }
    const both = await publish(b.baseUrl, { type: 'inbox.item', userIds: [alice, bob], payload: { n: 2 } });
    const second = both.find((x) => x.topic === `user:${alice}`)!;
    for (const client of [aliceOnA, aliceOnB]) {
      expect((await client.next('notification')).data).toMatchObject({ id: second.id, payload: { n: 2 } });
      expect((await client.next('unread')).data).toEqual({ count: 2 });
    }
    expect((await bobOnB.next('notification')).data).toMatchObject({ topic: `user:${bob}`, payload: { n: 2 } });
    expect((await bobOnB.next('unread')).data).toEqual({ count: 1 });
    for (const client of [aliceOnA, aliceOnB]) await client.expectNone('notification', 200);
    await bobOnB.expectNone('notification', 0);
  });

  it("a read on one instance moves the unread count on the user's connections to the other", async () => {
    const { run, a, b } = cluster();
    const carol = `carol-${run}`;
    const carolOnA = await connect(a, carol);
    const carolOnB = await connect(b, carol);
    for (const client of [carolOnA, carolOnB]) expect((await client.next('unread')).data).toEqual({ count: 0 });
    const ids = [];
    for (const [n, instance] of [a, b, a].entries()) ids.push((await publish(instance.baseUrl, { type: 'inbox.item', userIds: [carol], payload: { n } }))[0].id);
    for (const client of [carolOnA, carolOnB]) {
      for (const count of [1, 2, 3]) expect((await client.next('unread')).data).toEqual({ count });
    }

    // A `read` over the socket on A: A answers it, B hears the new count.
    expect((await carolOnA.request('read', { ids: [ids[0]] }, 'unread')).data).toEqual({ count: 2 });
    expect((await carolOnB.next('unread')).data).toEqual({ count: 2 });
    await carolOnA.expectNone('unread', 300);

    // REST on B: both connections hear it, A's through Redis.
    const read = await http(b.baseUrl, 'POST', `/users/${carol}/notifications/read`, { all: true });
    expect(read).toEqual({ status: 200, body: { updated: 2, unreadCount: 0 } });
    for (const client of [carolOnA, carolOnB]) expect((await client.next('unread')).data).toEqual({ count: 0 });

    const inbox = await http(a.baseUrl, 'GET', `/users/${carol}/notifications`);
    expect(inbox.body).toMatchObject({ unreadCount: 0, nextCursor: null });
    expect(inbox.body.items.map((item: { id: string; read: boolean }) => [item.id, item.read])).toEqual([...ids].reverse().map((id) => [id, true]));
    for (const client of [carolOnA, carolOnB]) await client.expectNone('unread', 200);
  });

  it('publishes the appends of one commit batch as one Redis message, in id order', async () => {
    const { run, a, b } = cluster();
    const topic = `batched.${run}`;
    const watcher = new Redis(process.env.REDIS_URL!);
    const messages: Array<Array<{ notification?: { id: string; topic: string } }>> = [];
    watcher.on('message', (_channel: string, message: string) => messages.push(JSON.parse(message)));
    await watcher.subscribe(`scale-out:${run}`);
    try {
      const subscriber = await connect(b);
      await subscribe(subscriber, [topic]);
      // Concurrent requests: those arriving while a batch commits wait together for the next one.
      const count = 40;
      const accepted = await Promise.all(Array.from({ length: count }, (_, n) => publish(a.baseUrl, { type: 'scale.batched', topic, payload: { n } })));
      const ids = accepted.map(([{ id }]) => id).sort((x, y) => seqOf(x) - seqOf(y));
      const delivered: string[] = [];
      for (let n = 0; n < count; n++) delivered.push((await subscriber.next('notification')).data.id);
      expect(delivered).toEqual(ids);

      const carried = messages.filter((events) => events.some((event) => event.notification?.topic === topic));
      expect(carried.flat().map((event) => event.notification!.id)).toEqual(ids);
      expect(carried.length).toBeLessThan(count);
    } finally {
      watcher.disconnect();
    }
  });
});
