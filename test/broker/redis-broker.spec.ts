import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { HubEvent } from '../../src/notifications/broker/notification-broker.js';
import { RedisBroker } from '../../src/notifications/broker/redis.broker.js';
import { formatNotificationId } from '../../src/notifications/store/notification-id.js';
import { eventually, until } from '../support/eventually.js';
import { TcpProxy } from '../support/tcp-proxy.fixture.js';
import { RedisServerProcess } from './redis-server.fixture.js';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.log('RedisBroker tests skipped: REDIS_URL is unset');
const describeWithRedis = REDIS_URL ? describe : describe.skip;

/** The epoch of the store every broker here shares: ids of any other are not this deployment's. */
const EPOCH = 'brokertest';
let lastSeq = 0;

const notificationEvent = (label: string): HubEvent => ({
  kind: 'notification',
  notification: {
    id: formatNotificationId(EPOCH, ++lastSeq),
    topic: 'orders',
    type: 'order.created',
    payload: { label },
    createdAt: new Date(0).toISOString(),
  },
});

const labelOf = (event: HubEvent): string =>
  event.kind === 'notification' ? String(event.notification.payload.label) : event.kind === 'counts' ? `counts:${event.userId}` : event.kind;

/** An instance's broker and everything its listener received. */
interface Instance {
  broker: RedisBroker;
  received: string[];
}

async function startInstance(url: string, channel: string, timeoutMs?: number): Promise<Instance> {
  const broker = new RedisBroker(url, { epoch: EPOCH, channel, timeoutMs });
  const received: string[] = [];
  await broker.start((event) => received.push(labelOf(event)));
  return { broker, received };
}


describeWithRedis('RedisBroker', () => {
  const instances: Instance[] = [];
  const channel = `test:${randomUUID()}`;

  afterEach(async () => {
    await Promise.all(instances.splice(0).map(({ broker }) => broker.close()));
  });

  it('gives every instance every event, each publisher in its publish order', async () => {
    const a = await startInstance(REDIS_URL!, channel);
    const b = await startInstance(REDIS_URL!, channel);
    instances.push(a, b);

    const fromA = Array.from({ length: 50 }, (_, index) => `a-${index}`);
    const fromB = Array.from({ length: 50 }, (_, index) => `b-${index}`);
    await Promise.all([
      (async () => {
        for (let index = 0; index < fromA.length; index += 5) await a.broker.publish(fromA.slice(index, index + 5).map(notificationEvent));
      })(),
      (async () => {
        for (const label of fromB) await b.broker.publish([notificationEvent(label)]);
      })(),
      b.broker.publish([{ kind: 'counts', userId: 'alice', counts: { unread: 2, unseen: 2 } }]),
    ]);

    for (const instance of [a, b]) {
      await until(() => instance.received.length === 101, 'every event');
      expect(instance.received.filter((label) => label.startsWith('a-'))).toEqual(fromA);
      expect(instance.received.filter((label) => label.startsWith('b-'))).toEqual(fromB);
      expect(instance.received).toContain('counts:alice');
    }
    // One channel gives one order: both instances see the same interleaving.
    expect(a.received).toEqual(b.received);
  });

  it('sends one publish as one Redis message, splitting it in order past 512 KiB', async () => {
    const a = await startInstance(REDIS_URL!, channel);
    instances.push(a);
    const watcher = new Redis(REDIS_URL!);
    const messages: string[] = [];
    watcher.on('message', (_channel: string, message: string) => messages.push(message));
    await watcher.subscribe(channel);
    try {
      const small = ['s-1', 's-2', 's-3'];
      await a.broker.publish(small.map(notificationEvent));
      await until(() => messages.length === 1 && a.received.length === 3, 'the small publish');
      expect(a.received).toEqual(small);

      // Five events of about 200 KiB each: three messages of at most two.
      const large = Array.from({ length: 5 }, (_, index) => `l-${index}-${'x'.repeat(200 * 1024)}`);
      await a.broker.publish(large.map(notificationEvent));
      await until(() => a.received.length === 8, 'the large publish');
      expect(a.received.slice(3)).toEqual(large);
      expect(messages).toHaveLength(4);
      expect(messages.slice(1).map((message) => (JSON.parse(message) as unknown[]).length)).toEqual([2, 2, 1]);
    } finally {
      watcher.disconnect();
    }
  });

  it('is ready while connected and ignores messages that are not hub events', async () => {
    const a = await startInstance(REDIS_URL!, channel);
    instances.push(a);
    await expect(a.broker.ping()).resolves.toBeUndefined();

    const stranger = new Redis(REDIS_URL!);
    try {
      await stranger.publish(channel, 'not json');
      await stranger.publish(channel, '{"kind":"notification"}');
    } finally {
      stranger.disconnect();
    }
    await a.broker.publish([notificationEvent('after-noise')]);

    await until(() => a.received.length === 1, 'the event after the noise');
    expect(a.received).toEqual(['after-noise']);
  });

  it('drops each event this deployment could not have sent, with a warning, and delivers the rest of its message', async () => {
    const a = await startInstance(REDIS_URL!, channel);
    instances.push(a);
    const valid = notificationEvent('kept-1') as Extract<HubEvent, { kind: 'notification' }>;
    const forged = (change: Record<string, unknown>, notification: Record<string, unknown> = {}) => ({
      ...valid,
      ...change,
      notification: { ...valid.notification, payload: { label: 'forged' }, ...notification },
    });
    const message = [
      valid,
      // Another store's id, so high that the topic would drop everything after it.
      forged({}, { id: formatNotificationId('otherstore', 999_999_999_999_999) }),
      forged({}, { id: 'not-an-id!' }),
      forged({}, { topic: undefined }),
      forged({}, { payload: 'text' }),
      forged({}, { createdAt: 'yesterday' }),
      forged({ counts: { unread: -1, unseen: 0 } }),
      forged({ counts: { unread: 1, unseen: 1, extra: 2 } }),
      forged({ previousId: formatNotificationId(EPOCH, 999_999_999_999_999) }),
      { kind: 'counts', userId: 'alice', counts: { unread: 'many', unseen: 0 } },
      { kind: 'counts', userId: 'alice', counts: { unread: 1 } },
      // The kind of an older release: not this deployment's.
      { kind: 'unread', userId: 'alice', count: 3 },
      { kind: 'mystery' },
      null,
      notificationEvent('kept-2'),
      { kind: 'counts', userId: 'alice', counts: { unread: 3, unseen: 2 } },
    ];
    const stranger = new Redis(REDIS_URL!);
    try {
      await stranger.publish(channel, JSON.stringify(message));
    } finally {
      stranger.disconnect();
    }

    await until(() => a.received.length === 3, 'the valid events');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.received).toEqual(['kept-1', 'kept-2', 'counts:alice']);
  });

  describe('when Redis stops answering (a stalled network: no reply, no reset)', () => {
    const timeoutMs = 300;
    let proxy: TcpProxy;

    beforeEach(async () => {
      const target = new URL(REDIS_URL!);
      proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
    });
    afterEach(async () => {
      await Promise.all(instances.splice(0).map(({ broker }) => broker.close()));
      await proxy.cut();
    });

    it('fails publishes and pings within its timeout, then carries events again once Redis answers', async () => {
      const stalled = await startInstance(`redis://127.0.0.1:${proxy.port}`, channel, timeoutMs);
      const healthy = await startInstance(REDIS_URL!, channel, timeoutMs);
      instances.push(stalled, healthy);

      proxy.stall();
      for (const attempt of [() => stalled.broker.publish([notificationEvent('stalled')]), () => stalled.broker.ping()]) {
        const started = Date.now();
        await expect(attempt()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(timeoutMs + 500);
      }
      await healthy.broker.publish([notificationEvent('meanwhile')]);
      await until(() => healthy.received.includes('meanwhile'), 'the healthy instance’s own event');

      await proxy.resume();
      await eventually(() => stalled.broker.ping(), 'the stalled instance to answer again');
      await eventually(async () => {
        await stalled.broker.publish([notificationEvent('after')]);
        expect(healthy.received).toContain('after');
        expect(stalled.received).toContain('after');
      }, 'events both ways again');
    });
  });

  describe('when Redis goes down and comes back', () => {
    let server: RedisServerProcess;

    beforeEach(async () => {
      server = await RedisServerProcess.onSparePort();
      await server.start();
    });

    afterEach(async () => {
      await Promise.all(instances.splice(0).map(({ broker }) => broker.close()));
      await server.kill();
    });

    it('fails publishes fast while down, then resubscribes, says so, and carries events again', async () => {
      const a = await startInstance(server.url, channel);
      const b = await startInstance(server.url, channel);
      instances.push(a, b);
      const resubscribed = [a, b].map(
        ({ broker }) => new Promise<void>((resolve) => broker.onResubscribe((subscribed) => void subscribed.then(resolve))),
      );

      for (let index = 0; index < 5; index++) await a.broker.publish([notificationEvent(`before-${index}`)]);
      await until(() => b.received.length === 5, 'the events before the crash');

      await server.kill();
      const started = Date.now();
      await expect(a.broker.publish([notificationEvent('while-down')])).rejects.toThrow();
      await expect(b.broker.publish([notificationEvent('while-down')])).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(a.broker.ping()).rejects.toThrow();

      await server.start();
      await Promise.all(resubscribed);
      // Readiness comes back once both connections of each instance are back.
      await Promise.all([a, b].map(({ broker }) => eventually(() => broker.ping(), 'readiness')));

      await a.broker.publish([notificationEvent('after-0'), notificationEvent('after-1')]);
      await b.broker.publish([notificationEvent('after-2')]);
      for (const instance of [a, b]) {
        await until(() => instance.received.length === 8, 'the events after the restart');
        expect(instance.received).toEqual([
          ...Array.from({ length: 5 }, (_, index) => `before-${index}`),
          'after-0',
          'after-1',
          'after-2',
        ]);
      }
    });
  });
});
