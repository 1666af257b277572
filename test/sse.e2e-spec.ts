import { Hub } from '../src/notifications/hub/hub.service.js';
import { seqOf } from '../src/notifications/store/notification-id.js';
import { refusalStatus } from './support/handshake-status.js';
import { http } from './support/http.js';
import * as rest from './support/rest-publish.js';
import { SseClient, StreamRefused, type StreamEvent } from './support/sse-client.js';
import { eventually } from './support/eventually.js';
import { startInstance } from './support/service-instance.fixture.js';
import { appFor, startApp } from './support/start-app.js';
import { SteadyPublisher } from './support/steady-publisher.js';
import { hsToken, JWT_SECRET } from './support/tokens.js';
import { TestClient } from './support/ws-client.js';

/** Publishes an `sse.test` notification over REST; answers the ids. */
const publish = async (baseUrl: string, body: Record<string, unknown>): Promise<string[]> =>
  rest.idsOf(await rest.publish(baseUrl, { type: 'sse.test', ...body }));

const ids = (events: StreamEvent[]) => events.map((event) => event.id);

/** Why a stream was refused: status, headers and body. */
const refusal = (opening: Promise<unknown>): Promise<StreamRefused> =>
  opening.then(
    () => {
      throw new Error('stream was accepted');
    },
    (error: unknown) => {
      if (error instanceof StreamRefused) return error;
      throw error;
    },
  );

const command = (baseUrl: string, query: string, event: string, data: unknown) => http(baseUrl, 'POST', `/commands${query}`, { event, data });

describe('GET /sse: a Server-Sent Events stream through the Hub', () => {
  const running = appFor({ heartbeatMs: 400, commandRate: 5 });
  const streams: SseClient[] = [];
  const open = async (query: string, headers?: Record<string, string>) => {
    const opened = await SseClient.connect(`${running().baseUrl}/sse${query}`, headers);
    streams.push(opened.client);
    return opened;
  };
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  it('streams welcome, the unread count, personal, broadcast and ?topics= notifications with their ids, and heartbeat comments', async () => {
    const { client, streamId } = await open('?user=sse-alice&topics=sse-orders,sse-news');
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(streamId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.next('unread')).data).toEqual({ count: 0 });
    const [personal] = await publish(running().baseUrl, { userIds: ['sse-alice'], payload: { n: 1 } });
    const [topic] = await publish(running().baseUrl, { topic: 'sse-orders' });
    const [everyone] = await publish(running().baseUrl, { broadcast: true });
    await publish(running().baseUrl, { topic: 'sse-elsewhere' });
    const received = await client.notifications(3);
    expect(ids(received)).toEqual([personal, topic, everyone]);
    expect(received.map((event) => event.data.id)).toEqual([personal, topic, everyone]);
    expect(received[0].data).toMatchObject({ topic: 'user:sse-alice', type: 'sse.test', payload: { n: 1 } });
    expect((await client.next('unread')).data).toEqual({ count: 1 });
    await client.expectNone('notification', 300);
    const before = client.comments;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(client.comments - before).toBeGreaterThanOrEqual(2);
  });

  it('refuses a forbidden topic with 403, a bad one with 400, and another user\u2019s personal topic with 403', async () => {
    const base = `${running().baseUrl}/sse?user=sse-bob`;
    expect((await refusal(SseClient.open(`${base}&topics=private:board`))).status).toBe(403);
    expect((await refusal(SseClient.open(`${base}&topics=user:sse-alice`))).status).toBe(403);
    const bad = await refusal(SseClient.open(`${base}&topics=ok,no%20spaces`));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('no spaces') });
  });

  it('answers HEAD with the head alone, opening no stream', async () => {
    const before = running().app.get(Hub).connections.size;
    const response = await fetch(`${running().baseUrl}/sse?user=sse-head`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(running().app.get(Hub).connections.size).toBe(before);
  });

  describe('POST /commands', () => {
    it('subscribes a stream named by streamId: the reply is the subscribed frame, and the topic\u2019s notifications arrive on the stream', async () => {
      const { client, streamId } = await open('?user=sse-carol');
      const [missed] = await publish(running().baseUrl, { topic: 'sse-later' });
      const answer = await command(running().baseUrl, '?user=sse-carol', 'subscribe', { topic: 'sse-later', streamId });
      expect(answer).toEqual({ status: 200, body: { event: 'subscribed', data: { topic: 'sse-later', recovered: false, missed: 0 } } });
      expect((await client.next('subscribed')).data).toEqual({ topic: 'sse-later', recovered: false, missed: 0 });
      const [live] = await publish(running().baseUrl, { topic: 'sse-later' });
      expect(ids(await client.notifications(1))).toEqual([live]);

      const { client: again, streamId: againId } = await open('?user=sse-carol');
      const replayed = await command(running().baseUrl, '?user=sse-carol', 'subscribe', { topic: 'sse-later', since: missed, streamId: againId });
      expect(replayed.body).toEqual({ event: 'subscribed', data: { topic: 'sse-later', recovered: true, missed: 1 } });
      expect(ids(await again.notifications(1))).toEqual([live]);

      const left = await command(running().baseUrl, '?user=sse-carol', 'unsubscribe', { topic: 'sse-later', streamId });
      expect(left.body).toEqual({ event: 'unsubscribed', data: { topic: 'sse-later' } });
      await publish(running().baseUrl, { topic: 'sse-later' });
      await client.expectNone('notification');
    });

    it('answers the other commands with their reply frames', async () => {
      const [id] = await publish(running().baseUrl, { userIds: ['sse-dave'] });
      expect((await command(running().baseUrl, '?user=sse-dave', 'read', { ids: [id] })).body).toEqual({ event: 'unread', data: { count: 0 } });
      const pong = await command(running().baseUrl, '?user=sse-dave', 'ping', {});
      expect(pong.status).toBe(200);
      expect(pong.body.event).toBe('pong');
    });

    it('answers mark with counts and inbox with a page of the caller\u2019s own inbox; the stream hears the new counts', async () => {
      const { client } = await open('?user=sse-frank');
      expect((await client.next('counts')).data).toEqual({ unread: 0, unseen: 0 });
      const [first, second] = await publish(running().baseUrl, { userIds: ['sse-frank'] }).then(async (one) => [
        ...one,
        ...(await publish(running().baseUrl, { userIds: ['sse-frank'] })),
      ]);
      await publish(running().baseUrl, { userIds: ['sse-grace'] });
      expect((await client.next('counts')).data).toEqual({ unread: 1, unseen: 1 });
      expect((await client.next('counts')).data).toEqual({ unread: 2, unseen: 2 });
      const marked = await command(running().baseUrl, '?user=sse-frank', 'mark', { ids: [first], read: true });
      expect(marked).toMatchObject({ status: 200, body: { event: 'counts', data: { unread: 1, unseen: 1 } } });
      expect((await client.next('counts')).data).toEqual({ unread: 1, unseen: 1 });
      const page = await command(running().baseUrl, '?user=sse-frank', 'inbox', { limit: 10 });
      expect(page.status).toBe(200);
      expect(page.body.event).toBe('inbox');
      expect(page.body.data.items.map((item: { id: string; read: boolean }) => [item.id, item.read])).toEqual([
        [second, false],
        [first, true],
      ]);
      const refused = await command(running().baseUrl, '', 'mark', { all: true, seen: true });
      expect(refused.body).toMatchObject({ event: 'exception', data: { code: 'FORBIDDEN' } });
    });

    it('answers bad frames, unknown events, undeclared fields and foreign or unknown streams with the exception frame and its status', async () => {
      const { streamId } = await open('?user=sse-erin');
      const base = running().baseUrl;
      const cases: Array<[string, unknown, number, string]> = [
        ['not an {event, data} object', [1, 2], 400, 'BAD_JSON'],
        ['data that is not an object', { event: 'ping', data: 'x' }, 400, 'BAD_JSON'],
        ['an unknown event', { event: 'launch', data: {} }, 400, 'UNKNOWN_EVENT'],
        ['an undeclared field', { event: 'ping', data: { constructor: 1 } }, 400, 'VALIDATION_FAILED'],
        ['a bad topic', { event: 'subscribe', data: { topic: '', streamId } }, 400, 'VALIDATION_FAILED'],
        ['a subscribe without streamId', { event: 'subscribe', data: { topic: 'sse-x' } }, 400, 'VALIDATION_FAILED'],
        ['an unknown streamId', { event: 'subscribe', data: { topic: 'sse-x', streamId: 'nope' } }, 400, 'VALIDATION_FAILED'],
        ['a forbidden topic', { event: 'subscribe', data: { topic: 'private:board', streamId } }, 403, 'FORBIDDEN'],
      ];
      for (const [what, body, status, code] of cases) {
        const answer = await http(base, 'POST', '/commands?user=sse-erin', body);
        expect({ what, status: answer.status, event: answer.body.event, code: answer.body.data?.code }).toEqual({ what, status, event: 'exception', code });
      }
      const undeclared = await command(base, '?user=sse-erin', 'ping', { constructor: 1 });
      expect(undeclared.body.data.errors).toEqual([{ field: 'constructor', messages: ['property constructor should not exist'] }]);
      const foreign = await command(base, '?user=sse-frank', 'subscribe', { topic: 'sse-x', streamId });
      expect(foreign.status).toBe(403);
      expect(foreign.body.data).toMatchObject({ code: 'FORBIDDEN', cause: { pattern: 'subscribe' } });
    });

    it('limits each user to COMMAND_RATE with 429 RATE_LIMITED', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push((await command(running().baseUrl, '?user=sse-greedy', 'ping', {})).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
      expect(statuses).toContain(429);
      const limited = await command(running().baseUrl, '?user=sse-greedy', 'ping', {});
      expect(limited.body.data.code).toBe('RATE_LIMITED');
      expect((await command(running().baseUrl, '?user=sse-other', 'ping', {})).status).toBe(200);
    });
  });

  it('replays what a stream missed after Last-Event-ID on all its topics, in id order, once each, then goes live', async () => {
    const base = running().baseUrl;
    const [first] = await publish(base, { topic: 'sse-a' });
    const missed: string[] = [];
    for (let i = 0; i < 6; i++) {
      missed.push(...(await publish(base, { topic: i % 2 === 0 ? 'sse-a' : 'sse-b' })));
      if (i === 2) missed.push(...(await publish(base, { userIds: ['sse-hank'] })));
    }
    await publish(base, { topic: 'sse-c' });
    // Live ones published while the replay runs are held and follow it, in order.
    const streaming = open('?user=sse-hank&topics=sse-a,sse-b', { 'Last-Event-ID': first });
    const during = publish(base, { topic: 'sse-b' });
    const { client } = await streaming;
    const subscribed = await Promise.all([client.next('subscribed'), client.next('subscribed'), client.next('subscribed'), client.next('subscribed')]);
    expect(subscribed.map((event) => event.data.topic).sort()).toEqual(['broadcast', 'sse-a', 'sse-b', 'user:sse-hank']);
    expect(subscribed.every((event) => event.data.recovered)).toBe(true);
    const [live] = await during;
    const received = ids(await client.notifications(missed.length + 1));
    expect(received).toEqual([...missed, live]);
    await client.expectNone('notification');

    // `?lastEventId=` for clients that cannot set the header.
    const { client: byQuery } = await open(`?user=sse-hank&topics=sse-a,sse-b&lastEventId=${missed[4]}`);
    expect(ids(await byQuery.notifications(missed.length - 5 + 1))).toEqual([...missed.slice(5), live]);
  });

  it('loses and repeats nothing across two topics while publishing goes on and the stream keeps dropping and resuming from Last-Event-ID', async () => {
    const base = running().baseUrl;
    const publishers = [new SteadyPublisher(base, 'sse-steady-a', 40).start(), new SteadyPublisher(base, 'sse-steady-b', 40).start()];
    const received: (string | null)[] = [];
    let last: string | null = null;
    try {
      for (let round = 0; round < 6; round++) {
        const { client } = await open('?user=sse-steady&topics=sse-steady-a,sse-steady-b', last === null ? {} : { 'Last-Event-ID': last });
        const until = Date.now() + 250;
        while (Date.now() < until) {
          const event = await client.next('notification', 1000).catch(() => null);
          if (event === null) break;
          received.push(event.id);
          last = event.id;
        }
        client.close();
      }
    } finally {
      await Promise.all(publishers.map((publisher) => publisher.stop()));
    }
    const { client } = await open('?user=sse-steady&topics=sse-steady-a,sse-steady-b', { 'Last-Event-ID': last! });
    const acked = publishers.flatMap((publisher) => publisher.acked).sort((a, b) => seqOf(a) - seqOf(b));
    const firstSeen = acked.indexOf(received[0]!);
    received.push(...ids(await client.notifications(acked.length - firstSeen - received.length)));
    expect(received).toEqual(acked.slice(firstSeen));
  });

  it('says recovered: false per topic when the gap cannot be filled', async () => {
    const { client } = await open('?user=sse-ivy&topics=sse-a', { 'Last-Event-ID': 'zzzzzzzzzz-1' });
    const subscribed = [await client.next('subscribed'), await client.next('subscribed'), await client.next('subscribed')];
    expect(subscribed.map((event) => event.data.recovered)).toEqual([false, false, false]);
  });

  it('counts streams in the connections gauge and in their own', async () => {
    const gauge = async (name: string) => {
      const text = (await http(running().baseUrl, 'GET', '/metrics')).body as string;
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)![1]);
    };
    // The streams of the tests before close as their clients go.
    await eventually(async () => expect(await gauge('notifications_connections')).toBe(0), 'the earlier streams to close');
    const { client } = await open('?user=sse-jan');
    expect(await gauge('notifications_connections')).toBe(1);
    expect(await gauge('notifications_sse_streams')).toBe(1);
    client.close();
    await eventually(async () => expect(await gauge('notifications_sse_streams')).toBe(0), 'the stream to be counted out');
    expect(await gauge('notifications_connections')).toBe(0);
  });
});

describe('SSE streams and WebSockets share the connection limits', () => {
  const running = appFor({ maxConnections: 2, maxConnectionsPerUser: 1 });

  it('refuses a WebSocket when streams fill MAX_CONNECTIONS, and a stream when a WebSocket fills it (503, Retry-After); per user 429', async () => {
    const { client: first } = await SseClient.connect(`${running().baseUrl}/sse?user=lim-a`);
    const sameUser = await refusal(SseClient.open(`${running().baseUrl}/sse?user=lim-a`));
    expect(sameUser.status).toBe(429);
    expect(await refusalStatus(TestClient.open(`${running().wsUrl}?user=lim-a`))).toBe(429);
    const { client: second } = await SseClient.connect(`${running().baseUrl}/sse?user=lim-b`);
    expect(await refusalStatus(TestClient.open(`${running().wsUrl}?user=lim-c`))).toBe(503);
    second.close();
    await second.waitEnd();
    const socket = await TestClient.connect(`${running().wsUrl}?user=lim-c`);
    const full = await refusal(SseClient.open(`${running().baseUrl}/sse?user=lim-d`));
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('5');
    socket.close();
    first.close();
  });
});

describe('SSE identity', () => {
  const running = appFor({ jwtSecret: JWT_SECRET });

  it('takes the token from Authorization or access_token, refuses none with 401, and POST /commands the same way', async () => {
    expect((await refusal(SseClient.open(`${running().baseUrl}/sse?user=mallory`))).status).toBe(401);
    const token = await hsToken('sse-kim');
    const { client } = await SseClient.connect(`${running().baseUrl}/sse`, { authorization: `Bearer ${token}` });
    const { client: byQuery, streamId } = await SseClient.connect(`${running().baseUrl}/sse?access_token=${token}`);
    const unauthorized = await http(running().baseUrl, 'POST', '/commands', { event: 'ping', data: {} });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.data.code).toBe('UNAUTHORIZED');
    const subscribed = await http(running().baseUrl, 'POST', '/commands', { event: 'subscribe', data: { topic: 'kim-topic', streamId } }, {
      authorization: `Bearer ${token}`,
    });
    expect(subscribed.body.event).toBe('subscribed');
    const other = await http(running().baseUrl, 'POST', `/commands?access_token=${await hsToken('sse-lee')}`, {
      event: 'unsubscribe',
      data: { topic: 'kim-topic', streamId },
    });
    expect(other.status).toBe(403);
    client.close();
    byQuery.close();
  });
});

describe('a stream is not a request that times out', () => {
  it('lives past REQUEST_TIMEOUT_MS and keeps delivering', async () => {
    const running = await startApp({}, { requestTimeoutMs: 300 });
    try {
      const { client } = await SseClient.connect(`${running.baseUrl}/sse?user=sse-long`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const [id] = await publish(running.baseUrl, { userIds: ['sse-long'] });
      expect(ids(await client.notifications(1))).toEqual([id]);
      expect(client.ended).toBe(false);
      client.close();
    } finally {
      await running.close();
    }
  });
});

describe('SSE streams end', () => {
  it('when the service gets SIGTERM', async () => {
    const service = await startInstance({ STORE: 'memory', LOG_LEVEL: 'warn' });
    try {
      const { client } = await SseClient.connect(`${service.baseUrl}/sse?user=sse-sigterm`);
      const stopping = service.stop();
      await client.waitEnd(5000);
      await stopping;
      expect(service.child.exitCode).toBe(0);
    } finally {
      await service.stop();
    }
  });

  it('when the service shuts down (EventSource then reconnects, to another instance)', async () => {
    const running = await startApp({});
    const { client } = await SseClient.connect(`${running.baseUrl}/sse?user=sse-end`);
    const closing = running.close();
    await client.waitEnd();
    await closing;
  });

  it('when its peer takes nothing for two heartbeat intervals, as a WebSocket that misses two pongs', async () => {
    // MAX_BUFFERED_BYTES far above what is sent: only the heartbeat can end this stream.
    const running = await startApp({ heartbeatMs: 300, maxBufferedBytes: 256 * 1024 * 1024 });
    try {
      const { client } = await SseClient.connect(`${running.baseUrl}/sse?user=sse-gone`);
      client.pause();
      const hub = running.app.get(Hub);
      // Enough to fill both kernels' socket buffers, so bytes wait in the server's and stay there.
      for (let i = 0; i < 400 && hub.connections.size > 0; i++) {
        await publish(running.baseUrl, { userIds: ['sse-gone'], payload: { pad: 'x'.repeat(60_000) } });
      }
      await eventually(() => expect(hub.connections.size).toBe(0), 'the stalled stream to be dropped', 3000);
      // Dropped by the heartbeat, not cut as too slow (MAX_BUFFERED_BYTES, counted as a 4008 close).
      const metrics = (await http(running.baseUrl, 'GET', '/metrics')).body as string;
      expect(metrics).toContain('notifications_closes_total{code="4008"} 0');
    } finally {
      await running.close();
    }
  });

  it('when a reader falls MAX_BUFFERED_BYTES behind, as a WebSocket is closed with 4008', async () => {
    const running = await startApp({ maxBufferedBytes: 64 * 1024 });
    try {
      const { client } = await SseClient.connect(`${running.baseUrl}/sse?user=sse-slow`);
      client.pause();
      const hub = running.app.get(Hub);
      for (let i = 0; i < 200 && hub.connections.size > 0; i++) {
        await publish(running.baseUrl, { userIds: ['sse-slow'], payload: { pad: 'x'.repeat(30_000) } });
      }
      expect(hub.connections.size).toBe(0);
    } finally {
      await running.close();
    }
  });
});
