import { rawSocketOf } from '../../src/notifications/hub/ws-internals.js';
import { scrapeMetrics, serverCloses } from '../support/close-count.js';
import { eventually } from '../support/eventually.js';
import { WebSocket } from 'ws';
import { hsToken, JWT_SECRET } from '../support/tokens.js';
import { startApp, type RunningApp } from '../support/start-app.js';
import { ClientPool } from '../support/client-pool.js';
import { HandshakeRejected, TestClient } from '../support/ws-client.js';


/** The refused handshake's status and Retry-After header. */
function refusal(url: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => reject(new Error('handshake was accepted')));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
      socket.terminate();
    });
    socket.once('error', () => undefined);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Contract 1.1 limits that answer a connection, never crash or stall the others. */
describe('connection limits', () => {
  const clients = new ClientPool();
  let running: RunningApp | undefined;
  const connect = (url: string): Promise<TestClient> => clients.connect(url);
  afterEach(async () => {
    clients.closeAll();
    await running?.close();
    running = undefined;
  });

  it('MAX_CONNECTIONS: the next handshake gets 503 with Retry-After; a slot freed is taken again', async () => {
    running = await startApp({ maxConnections: 3 });
    const open = [await connect(running.wsUrl), await connect(running.wsUrl), await connect(running.wsUrl)];
    expect(await refusal(running.wsUrl)).toEqual({ status: 503, retryAfter: '5' });
    open[0].close();
    await open[0].waitClose();
    await sleep(50);
    expect((await (await connect(running.wsUrl)).request('ping', {}, 'pong')).event).toBe('pong');
    expect((await open[1].request('ping', {}, 'pong')).event).toBe('pong');
  });

  it('MAX_CONNECTIONS_PER_USER: the next handshake of that user gets 429, other users are unaffected', async () => {
    running = await startApp({ maxConnectionsPerUser: 2 });
    await connect(`${running.wsUrl}?user=alice`);
    await connect(`${running.wsUrl}?user=alice`);
    expect((await refusal(`${running.wsUrl}?user=alice`)).status).toBe(429);
    expect((await connect(`${running.wsUrl}?user=bob`)).frames).toBeDefined();
  });

  it('MAX_CONNECTIONS_PER_USER holds for handshakes that arrive together', async () => {
    running = await startApp({ maxConnectionsPerUser: 2 });
    const url = `${running.wsUrl}?user=carol`;
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => TestClient.connect(url)));
    const opened = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
    clients.keep(opened);
    await sleep(200);
    const stillOpen = opened.filter((client) => client.closeCode === null);
    expect(stillOpen).toHaveLength(2);
    for (const client of opened) if (client.closeCode !== null) expect(client.closeCode).toBe(1008);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') expect(attempt.reason).toEqual(expect.any(HandshakeRejected));
    }
  });

  it('MAX_CONNECTIONS holds for handshakes that arrive together: the ones past it are refused with 503 or closed with 1013', async () => {
    running = await startApp({ maxConnections: 2 });
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => TestClient.open(running!.wsUrl)));
    const opened = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
    clients.keep(opened);
    await sleep(200);
    expect(opened.filter((client) => client.closeCode === null)).toHaveLength(2);
    for (const client of opened) if (client.closeCode !== null) expect(client.closeCode).toBe(1013);
    for (const attempt of attempts) if (attempt.status === 'rejected') expect((attempt.reason as HandshakeRejected).status).toBe(503);
  });

  it('MAX_SUBSCRIPTIONS: LIMIT_EXCEEDED for one more topic; the personal topic and broadcast do not count; the connection stays', async () => {
    running = await startApp({ maxSubscriptions: 2 });
    const client = await connect(`${running.wsUrl}?user=dave`);
    for (const topic of ['a', 'b', 'broadcast', 'user:dave', 'a']) await client.request('subscribe', { topic }, 'subscribed');
    client.send('subscribe', { topic: 'c' });
    expect((await client.next('exception')).data).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: 'at most 2 subscriptions per connection',
      cause: { pattern: 'subscribe', data: { topic: 'c' } },
    });
    await client.request('unsubscribe', { topic: 'a' }, 'unsubscribed');
    expect((await client.request('subscribe', { topic: 'c' }, 'subscribed')).data.topic).toBe('c');
  });

  it('MAX_SUBSCRIPTIONS holds for subscribes sent together', async () => {
    running = await startApp({ maxSubscriptions: 3, commandRate: 100 });
    const client = await connect(running.wsUrl);
    for (let i = 0; i < 10; i++) client.send('subscribe', { topic: `t${i}` });
    await sleep(300);
    expect(client.frames.filter((f) => f.event === 'subscribed')).toHaveLength(3);
    expect(client.frames.filter((f) => f.event === 'exception' && f.data.code === 'LIMIT_EXCEEDED')).toHaveLength(7);
  });

  it('COMMAND_RATE: a burst of twice the rate passes, the rest get RATE_LIMITED unparsed; the rate refills', async () => {
    running = await startApp({ commandRate: 5, maxBadFrames: 100 });
    const client = await connect(running.wsUrl);
    for (let i = 0; i < 16; i++) client.send('ping', {});
    await sleep(300);
    const answers = client.frames.splice(0);
    expect(answers.filter((f) => f.event === 'pong').length).toBeGreaterThanOrEqual(10);
    expect(answers.filter((f) => f.event === 'pong').length).toBeLessThanOrEqual(12);
    const limited = answers.filter((f) => f.event === 'exception');
    expect(limited.length).toBe(16 - answers.filter((f) => f.event === 'pong').length);
    for (const frame of limited) expect(frame.data).toEqual({ status: 'error', code: 'RATE_LIMITED', message: 'too many commands: slow down' });
    await sleep(1000);
    expect((await client.request('ping', {}, 'pong')).event).toBe('pong');
  });

  it('COMMAND_RATE counts toward MAX_BAD_FRAMES: a flood is closed with 1008, others keep being served', async () => {
    running = await startApp({ commandRate: 5, maxBadFrames: 20 });
    const bystander = await connect(running.wsUrl);
    const flood = await connect(running.wsUrl);
    for (let i = 0; i < 100; i++) flood.send('ping', {});
    expect(await flood.waitClose()).toBe(1008);
    expect((await bystander.request('ping', {}, 'pong')).event).toBe('pong');
  });

  it('replies count toward MAX_BUFFERED_BYTES: a client that sends and never reads is closed with 4008', async () => {
    running = await startApp({ commandRate: 1_000_000, maxBufferedBytes: 64 * 1024 });
    const client = await connect(running.wsUrl);
    rawSocketOf(client.socket).pause();
    const topic = 'r'.repeat(120);
    // Enough replies to fill both kernel buffers of a loopback connection many times over.
    for (let i = 0; i < 200_000; i++) client.send('unsubscribe', { topic });
    await eventually(async () => expect(await serverCloses(running!.baseUrl, 4008)).toBe(1), 'a 4008 close', 20_000);
  });

  it('an exception on a socket already closing with 1008 is neither answered nor counted again', async () => {
    running = await startApp({ maxBadFrames: 20 });
    const before = await scrapeMetrics(running.baseUrl);
    const client = await connect(running.wsUrl);
    for (let i = 0; i < 60; i++) client.sendRaw('nope');
    expect(await client.waitClose()).toBe(1008);
    await sleep(200);
    const after = await scrapeMetrics(running.baseUrl);
    const change = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    expect(change('notifications_exceptions_total{code="BAD_JSON"}')).toBe(21);
    expect(change('notifications_closes_total{code="1008"}')).toBe(1);
  });

  it('an auth that completes after its socket closed leaves no expiry behind', async () => {
    running = await startApp({ jwtSecret: JWT_SECRET });
    const before = await scrapeMetrics(running.baseUrl);
    for (let i = 0; i < 5; i++) {
      const client = await TestClient.connect(running.wsUrl, { headers: { authorization: `Bearer ${await hsToken('erin', {}, 60)}` } });
      client.send('auth', { token: await hsToken('erin', {}, 2) });
      client.socket.terminate();
    }
    await sleep(3000);
    const after = await scrapeMetrics(running.baseUrl);
    expect((after.get('notifications_closes_total{code="4001"}') ?? 0) - (before.get('notifications_closes_total{code="4001"}') ?? 0)).toBe(0);
    expect(after.get('notifications_connections')).toBe(0);
  });
});
