import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startInstance, type ServiceInstance } from '../../test/support/service-instance.fixture.js';
import { installPackedClient, type ConsumerProject } from './support/packed-client.js';
import { publish } from './support/rest-publisher.js';

const TSC = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;

/** A Node program of the consumer project: prints its welcome, then the first notification with the inbox feed, as JSON lines. */
const NODE_CONSUMER = `
import { NotificationsClient, createInbox } from '@nest-notifications/client';
const [url, user] = process.argv.slice(2);
let deepImport = 'allowed';
try { await import('@nest-notifications/client/dist/inbox.store.js'); } catch (error) { deepImport = error.code; }
const client = new NotificationsClient({ url, user });
const inbox = createInbox(client);
client.on('welcome', (welcome) => console.log(JSON.stringify({ welcome, deepImport, transport: client.transportKind })));
client.on('notification', (notification) => {
  console.log(JSON.stringify({ notification, feed: inbox.getSnapshot().items.map((item) => item.id) }));
  inbox.destroy();
  client.close();
});
client.connect();
`;

/** TypeScript of the consumer project: compiles only if the package's declarations are whole and typed. */
const TYPED_CONSUMER = `
import { NotificationsClient, createInbox, type CountsData, type InboxSnapshot, type Notification } from '@nest-notifications/client';
const client = new NotificationsClient({ url: 'ws://localhost:3000/ws', transport: 'auto', fallbackAfter: 2 });
const snapshot: InboxSnapshot = createInbox(client).getSnapshot();
export const first: Notification | undefined = snapshot.items[0];
export const counts: Promise<CountsData> = client.mark(['id'], { read: true });
// @ts-expect-error: flags are the protocol's
void client.mark('all', { pinned: true });
`;

/** The browser program: a page calls startClient(options) and reads window.probe. */
const BROWSER_ENTRY = `
import { NotificationsClient, createInbox } from '@nest-notifications/client';
window.startClient = (options) => {
  const client = new NotificationsClient(options);
  const inbox = createInbox(client);
  const probe = { client, inbox, received: [] };
  client.on('notification', (notification) => probe.received.push(notification.id));
  client.connect();
  window.probe = probe;
};
`;

const service: ServiceInstance = await startInstance({ STORE: 'memory', LOG_LEVEL: 'fatal' });

describe('the client package', () => {
  let project: ConsumerProject;

  beforeAll(() => {
    project = installPackedClient();
  }, 120_000);
  afterAll(async () => {
    await service.stop();
    project?.remove();
  });

  it('packs ESM, declarations and its manifest only, with no dependencies', () => {
    const paths = project.pack.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/inbox.store.d.ts']));
    expect(paths.filter((path) => !/^dist\/.+\.(js|d\.ts)$/.test(path) && path !== 'package.json' && path !== 'README.md')).toEqual([]);
    expect(paths.filter((path) => /spec|test|\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
    // The service's protocol comes as declarations only, never as code.
    expect(paths.filter((path) => path.startsWith('dist/notifications/') && !path.endsWith('.d.ts'))).toEqual([]);
    const installed = JSON.parse(execFileSync('npm', ['ls', '--all', '--json'], { cwd: project.dir, encoding: 'utf8' }));
    expect(Object.keys(installed.dependencies)).toEqual(['@nest-notifications/client']);
    expect(installed.dependencies['@nest-notifications/client'].dependencies).toBeUndefined();
  });

  it('type-checks a consumer against its declarations alone', () => {
    writeFileSync(join(project.dir, 'consumer-types.ts'), TYPED_CONSUMER);
    writeFileSync(
      join(project.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
        files: ['consumer-types.ts'],
      }),
    );
    expect(() => execFileSync(process.execPath, [TSC, '-p', project.dir], { encoding: 'utf8' })).not.toThrow();
  });

  it('runs in Node from the installed tarball and receives a notification published over REST', async () => {
    writeFileSync(join(project.dir, 'consumer.mjs'), NODE_CONSUMER);
    // Node 20 has its WebSocket behind a flag; the package brings none of its own.
    const child = spawn(process.execPath, ['--experimental-websocket', 'consumer.mjs', service.wsUrl, 'nora'], { cwd: project.dir });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<any> => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the consumer stopped: ${errors}`);
      return JSON.parse(value);
    };
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      expect(await next()).toEqual({
        welcome: { connectionId: expect.any(String), userId: 'nora', heartbeatMs: expect.any(Number) },
        deepImport: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
        transport: 'websocket',
      });
      const [sent] = await publish(service.baseUrl, { type: 'order.shipped', payload: { order: 7 }, userIds: ['nora'] });
      expect(await next()).toEqual({
        notification: { id: sent.id, topic: 'user:nora', type: 'order.shipped', payload: { order: 7 }, createdAt: expect.any(String) },
        feed: [sent.id],
      });
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  });

  describe('bundled for the browser', () => {
    let browser: Browser;
    let page: Page;
    let bundle: string;

    beforeAll(async () => {
      const result = await build({
        stdin: { contents: BROWSER_ENTRY, resolveDir: project.dir, loader: 'js' },
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: ['es2022'],
        minify: true,
        write: false,
        logLevel: 'warning',
      });
      bundle = result.outputFiles[0].text;
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    });
    afterAll(() => browser?.close());
    beforeEach(async () => {
      page = await browser.newPage();
      await page.goto(`${service.baseUrl}/health/live`);
      await page.addScriptTag({ content: bundle });
    });
    afterEach(() => page?.close());

    /** Starts the bundled client in the page, waits for it to be open, publishes to `user`, and waits for the page to have it in its feed. */
    const receiveLive = async (user: string, transport: 'websocket' | 'sse'): Promise<void> => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.evaluate(({ url, user, transport }) => (window as any).startClient({ url, user, transport }), { url: service.wsUrl, user, transport });
      await page.waitForFunction(() => (window as any).probe.client.state === 'open');
      expect(await page.evaluate(() => (window as any).probe.client.transportKind)).toBe(transport);
      const [sent] = await publish(service.baseUrl, { type: 'comment.added', payload: { by: 'sam' }, userIds: [user] });
      await page.waitForFunction(
        (id) => (window as any).probe.received.includes(id) && (window as any).probe.inbox.getSnapshot().items.some((item: any) => item.id === id),
        sent.id,
      );
      expect(await page.evaluate(() => (window as any).probe.received)).toEqual([sent.id]);
      expect(errors).toEqual([]);
    };

    it('runs in Chromium and receives a live notification over WebSocket', async () => {
      expect(bundle.length).toBeLessThan(40_000);
      await receiveLive('bea', 'websocket');
    });

    it('receives a live notification over the browser\'s EventSource (GET /sse, POST /commands)', async () => {
      await receiveLive('cleo', 'sse');
    });
  });
});
