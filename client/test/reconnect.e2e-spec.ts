import { mkdtempSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { freePort } from '../../test/support/built-service.js';
import { startApp } from '../../test/support/start-app.js';
import { NotificationsClient, type SubscribedData } from '../src/index.js';
import { nextEvent, record, sleep, until } from './support/client-probe.js';
import { publish } from './support/rest-publisher.js';

type App = Awaited<ReturnType<typeof startApp>>;

describe('NotificationsClient across a service restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-reconnect-'));
  const sqlitePath = join(dir, 'notifications.db');
  let app: App;
  let client: NotificationsClient;

  afterAll(async () => {
    client?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects after the server goes away and recovers every missed notification once, with since', async () => {
    app = await startApp({ store: 'sqlite', sqlitePath });
    const { port } = app;
    client = new NotificationsClient({
      url: app.wsUrl,
      user: 'alan',
      topics: ['orders'],
      WebSocket,
      // A fixed ~2 s delay leaves time to restart the service and publish while the client is away.
      reconnect: { baseDelayMs: 2000, maxDelayMs: 2000, random: () => 0.99 },
    });
    const received = record(client, 'notification');
    const subscribedOrders = nextEvent(client, 'subscribed', ({ topic }) => topic === 'orders');
    client.connect();
    await subscribedOrders;

    const targets = [{ userIds: ['alan'] }, { broadcast: true as const }, { topic: 'orders' }];
    const before = [];
    for (const target of targets) before.push(...(await publish(app.baseUrl, { type: 'before', ...target })));
    await until(() => received.length === 3, 'the first three notifications');

    const disconnected = nextEvent(client, 'disconnected');
    await app.close();
    expect(await disconnected).toMatchObject({ code: 1001, reconnectInMs: expect.any(Number) });
    expect(client.state).toBe('reconnecting');

    app = await startApp({ store: 'sqlite', sqlitePath }, { port });
    const missed = [];
    for (const target of targets) missed.push(...(await publish(app.baseUrl, { type: 'missed', ...target })));
    expect(client.state).not.toBe('open');

    const resubscribed: SubscribedData[] = record(client, 'subscribed');
    await until(() => received.length === 6, 'the three missed notifications', 10_000);
    await sleep(300);

    const ids = received.map((note) => note.id);
    expect(new Set(ids).size).toBe(6);
    expect(ids.slice(0, 3)).toEqual(before.map((sent) => sent.id));
    expect(ids.slice(3).sort()).toEqual(missed.map((sent) => sent.id).sort());
    expect(received.slice(3).every((note) => note.type === 'missed')).toBe(true);
    expect(resubscribed).toEqual(
      expect.arrayContaining([
        { topic: 'user:alan', recovered: true, missed: 1 },
        { topic: 'broadcast', recovered: true, missed: 1 },
        { topic: 'orders', recovered: true, missed: 1 },
      ]),
    );
    expect(client.state).toBe('open');
    expect(client.unreadCount).toBe(2);
  });

  it('recovers with since after the connection drops without a close frame (1006)', async () => {
    const running = await startApp();
    const sockets = new Set<Socket>();
    (running.app.getHttpServer() as Server).on('connection', (socket: Socket) => sockets.add(socket));
    const dropped = new NotificationsClient({
      url: running.wsUrl,
      user: 'hedy',
      WebSocket,
      reconnect: { baseDelayMs: 1000, maxDelayMs: 1000, random: () => 0.99 },
    });
    try {
      const received = record(dropped, 'notification');
      dropped.connect();
      await nextEvent(dropped, 'welcome');
      const [first] = await publish(running.baseUrl, { type: 'before', userIds: ['hedy'] });
      await until(() => received.length === 1, 'the first notification');

      const disconnected = nextEvent(dropped, 'disconnected');
      sockets.forEach((socket) => socket.destroy());
      expect((await disconnected).code).toBe(1006);
      const [second] = await publish(running.baseUrl, { type: 'missed', userIds: ['hedy'] });
      const recovered = await nextEvent(dropped, 'subscribed', ({ topic }) => topic === 'user:hedy', 5000);
      await until(() => received.length === 2, 'the missed notification');
      await sleep(200);

      expect(recovered).toEqual({ topic: 'user:hedy', recovered: true, missed: 1 });
      expect(received.map((note) => note.id)).toEqual([first.id, second.id]);
    } finally {
      dropped.close();
      await running.close();
    }
  });

  it('while nothing listens, waits no longer than the outage has lasted, the ceiling still growing', async () => {
    const baseDelayMs = 200;
    const refused = new NotificationsClient({
      url: `ws://127.0.0.1:${await freePort()}/ws`,
      user: 'grace',
      transport: 'websocket',
      WebSocket,
      // The top of every ceiling: a client that drew the longest delay each time.
      reconnect: { baseDelayMs, maxDelayMs: 60_000, random: () => 0.999 },
    });
    const waits: { at: number; delayMs: number }[] = [];
    refused.on('disconnected', ({ reconnectInMs }) => waits.push({ at: Date.now(), delayMs: reconnectInMs ?? -1 }));
    try {
      refused.connect();
      await until(() => waits.length === 5, 'five refused attempts', 10_000);
    } finally {
      refused.close();
    }
    const lostAt = waits[0].at;
    // Date.now() is read just after the client's own clock: a millisecond either way.
    for (const { at, delayMs } of waits) expect(delayMs).toBeLessThanOrEqual(Math.max(baseDelayMs, at - lostAt) + 1);
    expect(waits[4].delayMs).toBeGreaterThan(2 * baseDelayMs);
  });
});
