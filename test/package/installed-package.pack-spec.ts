import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/built-service.js';
import { eventually } from '../support/eventually.js';
import { http } from '../support/http.js';
import { ScratchDatabase } from '../support/scratch-database.fixture.js';
import { TestClient } from '../support/ws-client.js';
import { createHostApp, type HostApp, installedCopies, packRepository, type Platform, type RunningProcess, startProcess, userEnvironment } from './packed-host.js';

const API_KEY = 'host-api-key-0123456789';
const auth = { authorization: `Bearer ${API_KEY}` };

/**
 * The package as users get it: `npm pack`, then a fresh Nest host app outside the repository
 * installs the tarball from the registry like any dependency, and `npx` runs the standalone service.
 */
describe('the packed package', () => {
  const running: RunningProcess[] = [];
  const installs: string[] = [];
  const folders: string[] = [];
  let scratch: string;
  let packed: Awaited<ReturnType<typeof packRepository>>;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'nest-notifications-pack-'));
    packed = await packRepository(scratch);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop()));
    process.stdout.write(`tarball: ${packed.size} bytes, ${packed.files.length} files\n${installs.join('\n')}\n`);
    await Promise.all([scratch, ...folders].map((folder) => rm(folder, { recursive: true, force: true })));
  });

  /** Starts a compiled host on a free port; answers its base URL once it listens. */
  async function startHost(host: HostApp, platform: Platform, env: Record<string, string> = {}): Promise<{ baseUrl: string; wsUrl: string }> {
    const port = await freePort();
    const app = startProcess(process.execPath, [`dist/${platform}.main.js`], host.folder, userEnvironment({ PORT: String(port), HOST_API_KEY: API_KEY, ...env }));
    running.push(app);
    await eventually(() => expect(app.output()).toContain('listening'), `the ${platform} host to listen`, 30_000);
    return { baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
  }

  /** The host's own route pushes through NotificationsService; the user's socket receives it. */
  async function expectHostPushDelivered(baseUrl: string, wsUrl: string, userId: string): Promise<string> {
    const client = await TestClient.connect(`${wsUrl}?user=${userId}`);
    const shipped = await http(baseUrl, 'POST', '/orders/ship', { userId });
    expect(shipped.status).toBe(201);
    const notification = await client.next('notification');
    expect(notification.data).toMatchObject({ id: shipped.body.ids[0], topic: `user:${userId}`, type: 'order.shipped', payload: { by: 'host' } });
    client.close();
    return shipped.body.ids[0];
  }

  it('holds dist/, the README and the licence, and no tests, bench, client, sources or source maps', () => {
    expect(packed.files.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(packed.files.filter((path) => /\.map$|\.ts$(?<!\.d\.ts)|spec|^dist\/(test|bench|client)\//.test(path))).toEqual([]);
    expect(packed.files).toEqual(expect.arrayContaining(['dist/main.js', 'dist/notifications/index.js', 'dist/notifications/index.d.ts', 'dist/public/index.html']));
  });

  describe.each<Platform>(['express', 'fastify'])('in a host on @nestjs/platform-%s', (platform) => {
    let baseUrl: string;
    let wsUrl: string;
    let host: HostApp;

    beforeAll(async () => {
      // The Fastify host keeps its memory store and leaves the package's optional drivers out.
      const npmFlags = platform === 'fastify' ? ['--omit=optional'] : [];
      host = await createHostApp(packed.tarball, platform, { npmFlags });
      folders.push(host.folder);
      installs.push(`${platform} host, npm install ${npmFlags.join(' ')}: ${host.installMs} ms`);
      ({ baseUrl, wsUrl } = await startHost(host, platform));
    }, 300_000);

    it('has exactly one @nestjs/core, the host\'s', async () => {
      expect(await installedCopies(host.folder, '@nestjs/core')).toEqual([join(host.folder, 'node_modules/@nestjs/core')]);
    });

    it('delivers a push from the host\'s own controller to the user\'s WebSocket', async () => {
      await expectHostPushDelivered(baseUrl, wsUrl, 'alice');
    });

    it('answers POST /notifications: 202, 401 without the key, 400 with field errors, 413 over 64 KiB', async () => {
      const client = await TestClient.connect(wsUrl);
      await client.request('subscribe', { topic: 'orders' }, 'subscribed');
      const accepted = await http(baseUrl, 'POST', '/notifications', { type: 'order.created', topic: 'orders', payload: { n: 1 } }, auth);
      expect(accepted).toEqual({ status: 202, body: { notifications: [{ id: expect.any(String), topic: 'orders' }] } });
      expect((await client.next('notification')).data).toMatchObject({ id: accepted.body.notifications[0].id, payload: { n: 1 } });
      client.close();
      expect((await http(baseUrl, 'POST', '/notifications', { type: 't', topic: 'orders' })).status).toBe(401);
      const invalid = await http(baseUrl, 'POST', '/notifications', { type: 'bad type!', topic: 'orders', surprise: 1 }, auth);
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['surprise', 'type']);
      const large = await http(baseUrl, 'POST', '/notifications', { type: 't', topic: 'orders', payload: { blob: 'x'.repeat(70 * 1024) } }, auth);
      expect(large.status).toBe(413);
    });

    it('answers the inbox routes: a page newest first, read marks, topic history', async () => {
      const first = await expectHostPushDelivered(baseUrl, wsUrl, 'bob');
      const second = await expectHostPushDelivered(baseUrl, wsUrl, 'bob');
      const page = await http(baseUrl, 'GET', '/users/bob/notifications?limit=1', undefined, auth);
      expect(page).toEqual({ status: 200, body: { items: [expect.objectContaining({ id: second })], unreadCount: 2, unseenCount: 2, nextCursor: expect.any(String) } });
      const rest = await http(baseUrl, 'GET', `/users/bob/notifications?before=${page.body.nextCursor}`, undefined, auth);
      expect(rest.body).toMatchObject({ items: [expect.objectContaining({ id: first })], nextCursor: null });
      const read = await http(baseUrl, 'POST', '/users/bob/notifications/read', { all: true }, auth);
      expect(read).toEqual({ status: 200, body: { updated: 2, unreadCount: 0 } });
      const history = await http(baseUrl, 'GET', '/topics/user:bob/notifications', undefined, auth);
      expect(history.body).toMatchObject({ items: [expect.objectContaining({ id: first }), expect.objectContaining({ id: second })] });
      expect((await http(baseUrl, 'GET', '/users/bob/notifications?limit=0', undefined, auth)).status).toBe(400);
    });
  });

  describe('in a PostgreSQL host installed with --omit=optional', () => {
    const databaseUrl = process.env.DATABASE_URL;
    const maybe = databaseUrl ? it : it.skip;
    let database: ScratchDatabase;
    let host: HostApp;

    beforeAll(async () => {
      if (!databaseUrl) return;
      database = await ScratchDatabase.create(databaseUrl, 'package');
      // The host installs the driver of the store it chooses; the package's optional ones are left out.
      host = await createHostApp(packed.tarball, 'express', { dependencies: ['pg'], npmFlags: ['--omit=optional'] });
      folders.push(host.folder);
      installs.push(`express host with pg, npm install --omit=optional: ${host.installMs} ms`);
    }, 300_000);
    afterAll(async () => {
      await Promise.all(running.map((process) => process.stop()));
      await database?.drop();
    });

    maybe('has no better-sqlite3 or ioredis, starts and delivers', async () => {
      expect(await installedCopies(host.folder, 'better-sqlite3')).toEqual([]);
      expect(await installedCopies(host.folder, 'ioredis')).toEqual([]);
      const { baseUrl, wsUrl } = await startHost(host, 'express', { HOST_DATABASE_URL: database.url });
      await expectHostPushDelivered(baseUrl, wsUrl, 'carol');
      const inbox = await http(baseUrl, 'GET', '/users/carol/notifications', undefined, auth);
      expect(inbox.body).toMatchObject({ items: [expect.objectContaining({ type: 'order.shipped' })], unreadCount: 1 });
    });

    maybe('its standalone service, left on the SQLite default, stops with one line naming better-sqlite3', async () => {
      const service = startProcess(join(host.folder, 'node_modules/.bin/nest-notifications'), [], host.folder, userEnvironment({ PORT: String(await freePort()) }));
      running.push(service);
      expect(await service.exited).toBe(1);
      expect(service.output().trim().split('\n')).toEqual(["store 'sqlite' needs the better-sqlite3 package, which is not installed: npm install better-sqlite3"]);
    });
  });

  it('npx of the tarball in an empty folder serves the playground and the WebSocket on PORT, with no configuration', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'nest-notifications-npx-'));
    folders.push(folder);
    const port = await freePort();
    const started = Date.now();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? folder, PORT: String(port) };
    const service = startProcess('npx', ['--yes', `--package=${packed.tarball}`, 'nest-notifications'], folder, env);
    running.push(service);
    await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200), `npx to serve on ${port}`, 420_000);
    installs.push(`npx of the tarball, until the playground answers: ${Date.now() - started} ms`);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('playground.js');
    const client = await TestClient.open(`ws://127.0.0.1:${port}/ws?user=dana`);
    expect((await client.next('welcome')).data.userId).toBe('dana');
    client.close();
    // The default SQLite file is created where the service was started.
    expect((await stat(join(folder, 'data/notifications.db'))).isFile()).toBe(true);
    await service.stop();
  }, 480_000);
});
