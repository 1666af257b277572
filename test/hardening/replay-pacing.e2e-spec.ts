import { Hub } from '../../src/notifications/hub/hub.service.js';
import { NotificationsService } from '../../src/notifications/index.js';
import { serverCloses } from '../support/close-count.js';
import { eventually } from '../support/eventually.js';
import { http } from '../support/http.js';
import { runPacedReplay } from '../support/paced-replay.scenario.js';
import { startWithLaggingBroker } from '../support/lagging-broker.fixture.js';
import { throttleReading } from '../support/read-throttle.js';
import { ServiceTimers } from '../support/service-timers.js';
import { appFor, type RunningApp, startApp } from '../support/start-app.js';
import { type Frame, TestClient } from '../support/ws-client.js';

const MiB = 1024 * 1024;
/** Far more than the kernel buffers of a loopback connection hold, so a client that stops reading stalls its replay. */
const STALLING_COUNT = 400;
const BIG_PAYLOAD = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts an app for one describe block and closes it after. */
/** Stores `count` notifications in `topic` after a first one; answers that first id and the others'. */
async function seed(running: RunningApp, topic: string, count: number, payloadBytes: number): Promise<{ since: string; ids: string[] }> {
  const notifications = running.app.get(NotificationsService);
  const publish = async (payload: Record<string, unknown>) => (await notifications.publish(topic, { type: 'seed', payload }))[0].id;
  const since = await publish({});
  const blob = 'x'.repeat(payloadBytes);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await publish({ blob, i }));
  return { since, ids };
}

/** Every id of `topic` after `since`, paged over REST. */
async function historyAfter(running: RunningApp, topic: string, since: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor = since; ; ) {
    const page = await http(running.baseUrl, 'GET', `/topics/${topic}/notifications?since=${cursor}&limit=1000`);
    const items: Array<{ id: string }> = page.body.items;
    ids.push(...items.map((item) => item.id));
    if (items.length < 1000) return ids;
    cursor = items[items.length - 1].id;
  }
}

/** Reads `count` notifications of `topic`, failing on a close or a gap of 10 s. */
async function receive(client: TestClient, count: number, timeoutMs = 10_000): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < count) ids.push((await client.next('notification', timeoutMs)).data.id);
  return ids;
}

describe('replay at the pace the client reads', () => {
  it('a replay 40 times MAX_BUFFERED_BYTES reaches a client reading 2 MB/s whole, in order, without 4008, in bounded memory', async () => {
    const outcome = await runPacedReplay({ count: 200, payloadBytes: BIG_PAYLOAD, readBytesPerSecond: 2_000_000, maxBufferedBytes: 256 * 1024 });
    expect(outcome.closeCode).toBeNull();
    expect(outcome.subscribed?.data).toEqual({ topic: 'paced-replay', recovered: true, missed: 200 });
    expect(outcome.received).toEqual(outcome.published);
    expect(outcome.bytesRead).toBeGreaterThan(40 * 256 * 1024);
    expect(outcome.rssGrowthBytes).toBeLessThan(64 * MiB);
  }, 90_000);

  describe('a client that stops reading', () => {
    const running = appFor({ heartbeatMs: 2000, maxBufferedBytes: 256 * 1024, maxReplay: STALLING_COUNT });

    it('gets its whole replay when it reads again within the heartbeat interval', async () => {
      const { since, ids } = await seed(running(), 'pause', STALLING_COUNT, BIG_PAYLOAD);
      const closesBefore = await serverCloses(running().baseUrl, 4008);
      const client = await TestClient.connect(running().wsUrl);
      const throttle = throttleReading(client.socket, 0);
      client.send('subscribe', { topic: 'pause', since });
      await sleep(800);
      throttle.stop();
      expect((await client.next('subscribed')).data).toEqual({ topic: 'pause', recovered: true, missed: STALLING_COUNT });
      expect(await receive(client, STALLING_COUNT)).toEqual(ids);
      expect(client.closeCode).toBeNull();
      expect(await serverCloses(running().baseUrl, 4008)).toBe(closesBefore);
      client.close();
    }, 30_000);

    it('is closed with 4008 when it reads nothing for a heartbeat interval, and leaves nothing behind', async () => {
      const { since } = await seed(running(), 'stalled', STALLING_COUNT, BIG_PAYLOAD);
      const hub = running().app.get(Hub);
      const closesBefore = await serverCloses(running().baseUrl, 4008);
      const client = await TestClient.connect(running().wsUrl);
      const throttle = throttleReading(client.socket, 0);
      client.send('subscribe', { topic: 'stalled', since });
      await eventually(async () => expect(await serverCloses(running().baseUrl, 4008)).toBe(closesBefore + 1), 'the 4008', 8000);
      // Reading again, it finds the close frame behind what it had been sent.
      throttle.stop();
      expect(await client.waitClose(5000)).toBe(4008);
      await eventually(() => expect(hub.connections.size).toBe(0), 'the connection to go');
    }, 30_000);
  });

  describe('live notifications held during a replay', () => {
    const running = appFor({ maxBufferedBytes: 256 * 1024, maxReplay: STALLING_COUNT });

    it('are held up to MAX_REPLAY; one more closes the connection with 4008', async () => {
      const topic = 'overtaken';
      const { since } = await seed(running(), topic, STALLING_COUNT, BIG_PAYLOAD);
      const client = await TestClient.connect(running().wsUrl);
      const throttle = throttleReading(client.socket, 0);
      const closesBefore = await serverCloses(running().baseUrl, 4008);
      client.send('subscribe', { topic, since });
      await sleep(300);
      const notifications = running().app.get(NotificationsService);
      for (let i = 0; i < STALLING_COUNT; i++) await notifications.publish(topic, { type: 'live', payload: { i } });
      await sleep(100);
      expect(await serverCloses(running().baseUrl, 4008)).toBe(closesBefore);
      await notifications.publish(topic, { type: 'live', payload: { i: STALLING_COUNT } });
      await eventually(async () => expect(await serverCloses(running().baseUrl, 4008)).toBe(closesBefore + 1), 'the 4008');
      throttle.stop();
      expect(await client.waitClose(5000)).toBe(4008);
    }, 30_000);
  });

  describe('MAX_REPLAY', () => {
    const running = appFor({ maxReplay: 20 });

    it('replays the newest MAX_REPLAY of 50 missed and answers recovered: false', async () => {
      const { since, ids } = await seed(running(), 'long-gap', 50, 10);
      const client = await TestClient.connect(running().wsUrl);
      client.send('subscribe', { topic: 'long-gap', since });
      expect((await client.next('subscribed')).data).toEqual({ topic: 'long-gap', recovered: false, missed: 20 });
      expect(await receive(client, 20)).toEqual(ids.slice(-20));
      await client.expectNone('notification', 200);
      const [live] = await running().app.get(NotificationsService).publish('long-gap', { type: 'live' });
      expect((await client.next('notification')).data.id).toBe(live.id);
      client.close();
    });

    it('replays exactly MAX_REPLAY missed as recovered', async () => {
      const { since, ids } = await seed(running(), 'full-gap', 20, 10);
      const client = await TestClient.connect(running().wsUrl);
      client.send('subscribe', { topic: 'full-gap', since });
      expect((await client.next('subscribed')).data).toEqual({ topic: 'full-gap', recovered: true, missed: 20 });
      expect(await receive(client, 20)).toEqual(ids);
      client.close();
    });
  });

  describe('a gap around one page of the store (100)', () => {
    const running = appFor({});

    it.each([99, 100, 101, 102])('replays all of %i missed, in order, as recovered; live ones follow', async (count) => {
      const topic = `page-gap-${count}`;
      const { since, ids } = await seed(running(), topic, count, 10);
      const client = await TestClient.connect(running().wsUrl);
      client.send('subscribe', { topic, since });
      expect((await client.next('subscribed')).data).toEqual({ topic, recovered: true, missed: count });
      expect(await receive(client, count)).toEqual(ids);
      const [live] = await running().app.get(NotificationsService).publish(topic, { type: 'live' });
      expect((await client.next('notification')).data.id).toBe(live.id);
      await client.expectNone('notification', 100);
      client.close();
    });
  });

  describe.each([
    ['the local broker', startApp],
    ['a broker that delivers 5 ms after the commit', startWithLaggingBroker],
  ])('two subscribes of one topic with %s', (_, start) => {
    let running: RunningApp;
    beforeAll(async () => {
      // Room for all that the publishers manage during a replay, held or replayed.
      running = await start({ maxReplay: 100_000 });
    });
    afterAll(() => running.close());

    it('two concurrent subscribe {since} while publishing: one stream, ids increasing, none twice, none missing', async () => {
      const topic = 'twice';
      // 12 MB: more than the kernel buffers take at once, so the replays last while publishing goes on.
      const { since } = await seed(running, topic, 300, 40_000);
      let publishing = true;
      const writers = Array.from({ length: 4 }, async () => {
        for (let i = 0; publishing; i++) await http(running.baseUrl, 'POST', '/notifications', { type: 'live', topic, payload: { i } });
      });
      await sleep(20);
      const client = await TestClient.connect(running.wsUrl);
      const throttle = throttleReading(client.socket, 6_000_000);
      client.send('subscribe', { topic, since });
      client.send('subscribe', { topic, since });
      // Publishing goes on into the second replay, so that both replays have live ones held.
      await eventually(() => expect(client.frames.filter((frame) => frame.event === 'subscribed')).toHaveLength(2), 'both answers');
      await sleep(200);
      publishing = false;
      await Promise.all(writers);
      const expected = await historyAfter(running, topic, since);
      throttle.stop();
      const received = await receive(client, expected.length);
      expect(received).toEqual(expected);
      await client.expectNone('notification', 200);
      const answers = [await client.next('subscribed'), await client.next('subscribed')].map((frame) => frame.data);
      expect(answers.map(({ recovered }) => recovered)).toEqual([true, true]);
      expect(answers[0].missed + answers[1].missed).toBeLessThanOrEqual(expected.length);
      client.close();
    }, 30_000);
  });

  describe('subscribes of one topic on one connection', () => {
    const running = appFor({});

    it('a subscribe without since during a replay is answered after it; live ones follow', async () => {
      const topic = 'then-plain';
      const { since, ids } = await seed(running(), topic, 200, 20_000);
      const client = await TestClient.connect(running().wsUrl);
      const throttle = throttleReading(client.socket, 1_000_000);
      client.send('subscribe', { topic, since });
      client.send('subscribe', { topic });
      await eventually(() => expect(client.frames.filter((frame) => frame.event === 'subscribed')).toHaveLength(2), 'both answers', 15_000);
      throttle.stop();
      const stream = client.frames.filter((frame) => frame.event !== 'unread');
      expect(stream.map((frame) => frame.data.id ?? frame.data.missed)).toEqual([200, ...ids, 0]);
      expect(stream[stream.length - 1].data).toEqual({ topic, recovered: false, missed: 0 });
      client.frames.length = 0;
      const [live] = await running().app.get(NotificationsService).publish(topic, { type: 'live' });
      expect((await client.next('notification')).data.id).toBe(live.id);
      client.close();
    }, 30_000);

    it('an unsubscribe during a replay ends it at once; a subscribe after it replays afresh, with nothing of the old one mixed in', async () => {
      const topic = 'dropped';
      const { since, ids } = await seed(running(), topic, 200, 20_000);
      const client = await TestClient.connect(running().wsUrl);
      const throttle = throttleReading(client.socket, 500_000);
      client.send('subscribe', { topic, since });
      await eventually(() => expect(client.frames.filter((frame) => frame.event === 'notification').length).toBeGreaterThan(5), 'some of the replay');
      client.send('unsubscribe', { topic });
      client.send('subscribe', { topic, since });
      throttle.stop();
      const notifications = (frames: Frame[]) => frames.filter((frame) => frame.event === 'notification').map((frame) => frame.data.id);
      const split = () => client.frames.findIndex((frame) => frame.event === 'unsubscribed');
      await eventually(() => expect(notifications(client.frames.slice(split() + 1))).toHaveLength(200), 'the second replay', 15_000);
      const before = client.frames.slice(0, split());
      const after = client.frames.slice(split() + 1).filter((frame) => frame.event !== 'unread');
      expect(split()).toBeGreaterThan(0);
      expect(notifications(before)).toEqual(ids.slice(0, notifications(before).length));
      expect(notifications(before).length).toBeLessThan(200);
      expect(after[0].data).toEqual({ topic, recovered: true, missed: 200 });
      expect(after.slice(1).map((frame) => frame.data.id)).toEqual(ids);
      await client.expectNone('exception', 100);
      client.close();
    }, 30_000);

    it('a client that goes mid-replay stops it: no 4008, no timer, no connection left, and publishing goes on', async () => {
      const topic = 'abandoned';
      const { since } = await seed(running(), topic, 200, 20_000);
      const hub = running().app.get(Hub);
      const closesBefore = await serverCloses(running().baseUrl, 4008);
      const client = await TestClient.connect(running().wsUrl);
      const throttle = throttleReading(client.socket, 200_000);
      const timers = new ServiceTimers().watch();
      client.send('subscribe', { topic, since });
      expect((await client.next('subscribed')).data.missed).toBe(200);
      expect(await receive(client, 5)).toHaveLength(5);
      // Gone mid-transfer, as a closed tab or a dropped network is: no close handshake.
      client.socket.terminate();
      throttle.stop();
      await client.waitClose(5000);
      await eventually(() => expect(hub.connections.size).toBe(0), 'the connection to go');
      expect(await serverCloses(running().baseUrl, 4008)).toBe(closesBefore);
      expect(timers.pending()).toEqual([]);
      timers.stop();

      const next = await TestClient.connect(running().wsUrl);
      expect((await next.request('subscribe', { topic }, 'subscribed')).data.missed).toBe(0);
      const [live] = await running().app.get(NotificationsService).publish(topic, { type: 'live' });
      expect((await next.next('notification')).data.id).toBe(live.id);
      next.close();
    }, 30_000);
  });
});
