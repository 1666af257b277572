import { NOTIFICATION_STORE } from '../src/notifications/index.js';
import { MemoryNotificationStore } from '../src/notifications/store/memory/memory.store.js';
import type { TopicHistory } from '../src/notifications/store/notification-store.js';
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

async function startWithSlowReads(): Promise<RunningApp> {
  const store = new RemoteLikeStore({ historyLimit: 10_000, historyTtlS: 0 });
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
