import { NOTIFICATION_STORE } from '../src/notifications/index.js';
import { MemoryNotificationStore } from '../src/notifications/store/memory/memory.store.js';
import type { TopicHistory } from '../src/notifications/store/notification-store.js';
import { scrapeMetrics } from './support/close-count.js';
import { eventually } from './support/eventually.js';
import { startApp, startWithProvider, type RunningApp } from './support/start-app.js';
import { http } from './support/http.js';
import { TestClient } from './support/ws-client.js';

/** A memory store whose history reads take as long as a round trip to a remote database. */
class RemoteLikeStore extends MemoryNotificationStore {
  override async readSince(topic: string, since: string, limit: number): Promise<TopicHistory> {
    await new Promise((resolve) => setTimeout(resolve, 25));
    return super.readSince(topic, since, limit);
  }
}

/** A memory store whose history reads answer, as they were when asked, only once the test releases them; counts the reads. */
class GatedStore extends MemoryNotificationStore {
  reads = 0;
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  holdReads(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  releaseReads(): void {
    this.release();
  }

  override async readSince(topic: string, since: string, limit: number): Promise<TopicHistory> {
    this.reads++;
    const history = await super.readSince(topic, since, limit);
    await this.gate;
    return history;
  }
}

async function startWithSlowReads(store: MemoryNotificationStore = new RemoteLikeStore({ historyLimit: 10_000, historyTtlS: 0 })): Promise<RunningApp> {
  await store.open();
  return startWithProvider(NOTIFICATION_STORE, store);
}

/**
 * `subscribe {since}` while notifications are being published: every one after `since`
 * arrives exactly once, in order, across the replay-to-live switch.
 */
describe.each([
  ['sqlite', () => startApp({ store: 'sqlite', sqlitePath: `/tmp/replay-${process.pid}-${Date.now()}.db` })],
  ['a store with slow reads', startWithSlowReads],
])('replay under concurrent publishing (%s)', (_, start) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await start();
  });
  afterAll(() => running.close());

  it.each(Array.from({ length: 8 }, (_, round) => round))('round %i: no gap, no duplicate', async (round) => {
    const topic = `race-${round}`;
    const publish = async (i: number): Promise<string> =>
      (await http(running.baseUrl, 'POST', '/notifications', { type: 't', topic, payload: { i } })).body.notifications[0].id;
    const since = await publish(-1);
    for (let i = 0; i < 20 + round * 10; i++) await publish(i);
    // Publishers keep going while the subscriber replays and switches to live.
    let publishing = true;
    const published: string[] = [];
    const writers = Array.from({ length: 4 }, async () => {
      for (let i = 0; publishing; i++) published.push(await publish(1000 + i));
    });
    await new Promise((resolve) => setTimeout(resolve, 5 + round * 3));
    const client = await TestClient.connect(running.wsUrl);
    client.send('subscribe', { topic, since });
    await new Promise((resolve) => setTimeout(resolve, 150));
    publishing = false;
    await Promise.all(writers);
    const history = await http(running.baseUrl, 'GET', `/topics/${topic}/notifications?since=${since}&limit=1000`);
    const expected: string[] = history.body.items.map((n: { id: string }) => n.id);
    expect(expected.length).toBeGreaterThan(published.length);
    const subscribed = await client.next('subscribed');
    expect(subscribed.data.recovered).toBe(true);
    const received: string[] = [];
    while (received.length < expected.length) received.push((await client.next('notification')).data.id);
    expect(received).toEqual(expected);
    await client.expectNone('notification', 100);
    client.close();
  });
});

/**
 * After a restart every client of a topic comes back with the same `since`: their replays share
 * one store read, and a notification that arrives while it is under way, or before a later
 * subscribe, still reaches every subscriber once, in order.
 */
describe('subscribes of one topic with the same since', () => {
  const store = new GatedStore({ historyLimit: 10_000, historyTtlS: 0 });
  let running: RunningApp;
  beforeAll(async () => {
    running = await startWithSlowReads(store);
  });
  afterAll(() => running.close());

  const publish = async (topic: string, i: number): Promise<string> =>
    (await http(running.baseUrl, 'POST', '/notifications', { type: 't', topic, payload: { i } })).body.notifications[0].id;
  const subscribesReceived = async (): Promise<number> =>
    (await scrapeMetrics(running.baseUrl)).get('notifications_frames_received_total{event="subscribe"}') ?? 0;
  const replayOf = async (client: TestClient, count: number): Promise<string[]> => {
    const ids: string[] = [];
    while (ids.length < count) ids.push((await client.next('notification')).data.id);
    await client.expectNone('notification', 100);
    return ids;
  };

  it('share one read; one published during it and one before a later subscribe reach each once, in order', async () => {
    const topic = 'shared-since';
    const since = await publish(topic, -1);
    const missed = [await publish(topic, 0), await publish(topic, 1), await publish(topic, 2)];
    const [first, second, later] = await Promise.all([0, 1, 2].map(() => TestClient.connect(running.wsUrl)));
    const subscribesBefore = await subscribesReceived();
    const readsBefore = store.reads;
    store.holdReads();
    first.send('subscribe', { topic, since });
    second.send('subscribe', { topic, since });
    await eventually(async () => expect(await subscribesReceived()).toBe(subscribesBefore + 2), 'both subscribes');
    expect(store.reads - readsBefore).toBe(1);
    const during = await publish(topic, 3);
    store.releaseReads();
    for (const client of [first, second]) {
      expect((await client.next('subscribed')).data).toEqual({ topic, recovered: true, missed: 3 });
      expect(await replayOf(client, 4)).toEqual([...missed, during]);
    }
    later.send('subscribe', { topic, since });
    expect((await later.next('subscribed')).data).toEqual({ topic, recovered: true, missed: 4 });
    expect(await replayOf(later, 4)).toEqual([...missed, during]);
    expect(store.reads - readsBefore).toBe(2);
    for (const client of [first, second, later]) client.close();
  });

  it('of a personal topic each read the inbox: it changes with no notification arriving', async () => {
    const user = 'shared-since-user';
    const send = async (i: number): Promise<string> =>
      (await http(running.baseUrl, 'POST', '/notifications', { type: 't', userIds: [user], payload: { i } })).body.notifications[0].id;
    const since = await send(0);
    const kept = await send(1);
    const deleted = await send(2);
    const resubscribe = async (): Promise<TestClient> => {
      const client = await TestClient.connect(`${running.wsUrl}?user=${user}`);
      client.send('subscribe', { topic: `user:${user}`, since });
      return client;
    };
    const first = await resubscribe();
    expect((await first.next('subscribed')).data).toMatchObject({ recovered: true, missed: 2 });
    expect(await replayOf(first, 2)).toEqual([kept, deleted]);
    expect((await http(running.baseUrl, 'DELETE', `/users/${user}/notifications/${deleted}`)).status).toBe(204);
    const second = await resubscribe();
    expect((await second.next('subscribed')).data).toMatchObject({ recovered: true, missed: 1 });
    expect(await replayOf(second, 1)).toEqual([kept]);
    for (const client of [first, second]) client.close();
  });
});
