import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { SignJWT } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { http } from './support/http.js';
import { idsOf, publish } from './support/rest-publish.js';
import { startApp, type RunningApp } from './support/start-app.js';

const ROOT = new URL('../', import.meta.url);
const SCREENSHOT = new URL('test/artifacts/playground.png', ROOT);
const JWT_SECRET = 'playground-e2e-secret-long-enough';

const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** Sends a notification the way a backend would: over the real REST API. */
const post = async (running: RunningApp, body: Record<string, unknown>): Promise<string[]> => idsOf(await publish(running.baseUrl, body));

const badge = (page: Page) => page.getByTestId('unseen-badge');
const feedIds = (page: Page) => page.locator('[data-testid="feed-item"]').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.id));

/** Waits until the element with this test id shows exactly `text`. */
const until = (page: Page, testId: string, text: string) =>
  page.waitForFunction(([id, expected]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === expected, [testId, text] as const);

/** Connects in dev mode as `user` and waits for the welcome. */
const connectAs = async (page: Page, user: string): Promise<void> => {
  await page.getByTestId('user-input').fill(user);
  await page.getByTestId('connect').click();
  await page.locator('[data-testid="state"][data-state="open"]').waitFor();
  await expect(page.locator('[data-field="userId"]').textContent()).resolves.toBe(user);
};

describe('playground page in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    // The page is served from dist/public: build it from the current sources.
    execFileSync(process.execPath, [new URL('scripts/build-playground.mjs', ROOT).pathname], { stdio: 'inherit' });
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  describe('in insecure dev mode', () => {
    let running: RunningApp;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      running = await startApp();
      // One browser profile, so that a second page of it is another tab of the same user.
      context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
      await running?.close();
    });

    it('serves its settings, its assets with their types, and nothing else', async () => {
      expect(await http(running.baseUrl, 'GET', '/playground/config.json')).toEqual({
        status: 200,
        body: { devMode: true, wsPath: '/ws' },
      });
      const script = await fetch(`${running.baseUrl}/playground/playground.js`);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      const page = await fetch(`${running.baseUrl}/`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('Notifications playground');
      expect((await http(running.baseUrl, 'GET', '/playground/package.json')).status).toBe(404);
      expect((await http(running.baseUrl, 'GET', '/playground/..%2Fpackage.json')).status).toBe(404);
    });

    it('stays out of the OpenAPI document', async () => {
      const { status, body } = await http(running.baseUrl, 'GET', '/docs-json');
      expect(status).toBe(200);
      const paths = Object.keys((body as { paths: Record<string, unknown> }).paths);
      expect(paths).toContain('/notifications');
      expect(paths.filter((path) => path === '/' || path.startsWith('/playground'))).toEqual([]);
    });

    it('is a notification center: bell, unseen badge, unread count, feed with read and archive, paging', async () => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // Four notifications wait in pat's inbox; a page of three leaves one for "load more".
      const waiting: string[] = [];
      for (const [type, payload] of [
        ['order.placed', { order: 1041 }],
        ['order.shipped', { order: 1041, carrier: 'DHL' }],
        ['invoice.ready', { invoice: 'INV-6', amount: 42 }],
        ['comment.added', { by: 'sam', text: 'Looks good to me' }],
      ] as const) {
        waiting.push(...(await post(running, { type, payload, userIds: ['pat'] })));
      }
      await page.goto(`${running.baseUrl}/?pageSize=3`);
      await expect(page.getByTestId('mode').textContent()).resolves.toBe('insecure dev mode');
      await expect(page.getByTestId('bell').isDisabled()).resolves.toBe(true);

      await connectAs(page, 'pat');
      await page.locator('[data-topic="user:pat"]').waitFor();
      await until(page, 'unseen-badge', '4');
      await until(page, 'unread-count', '4');
      await expect(badge(page).isVisible()).resolves.toBe(true);

      // Opening the bell shows the first page, newest first, and marks everything seen.
      await page.getByTestId('bell').click();
      await expect(page.getByTestId('center').isVisible()).resolves.toBe(true);
      await until(page, 'unseen-badge', '0');
      await expect(badge(page).isHidden()).resolves.toBe(true);
      await expect(feedIds(page)).resolves.toEqual(waiting.slice(1).reverse());
      await expect(page.getByTestId('unread-count').textContent()).resolves.toBe('4');

      await page.getByTestId('load-more').click();
      await page.getByTestId('feed-end').waitFor();
      await expect(feedIds(page)).resolves.toEqual([...waiting].reverse());
      await expect(page.getByTestId('load-more').isHidden()).resolves.toBe(true);

      // Topic and broadcast notifications go to their own list, live personal ones on top of the feed.
      await page.getByTestId('topic-input').fill('releases');
      await page.getByTestId('subscribe').click();
      await page.locator('[data-topic="releases"]').waitFor();
      await post(running, { type: 'release.published', payload: { version: '1.4.0' }, topic: 'releases' });
      await post(running, { type: 'maintenance.planned', payload: { at: '02:00 UTC' }, broadcast: true });
      const [live] = await post(running, { type: 'mention', payload: { by: 'kim', text: '@pat can you review?' }, userIds: ['pat'] });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="topic-notification"]').length === 2);
      await page.locator(`[data-testid="feed-item"][data-id="${live}"]`).waitFor();
      await expect(feedIds(page)).resolves.toEqual([live, ...[...waiting].reverse()]);
      await expect(page.locator('[data-testid="topic-notification"] .type').allTextContents()).resolves.toEqual([
        'maintenance.planned',
        'release.published',
      ]);
      await until(page, 'unseen-badge', '1');
      await until(page, 'unread-count', '5');

      // A second tab of the same user follows the counts the first one changes.
      const other = await context.newPage();
      await other.goto(`${running.baseUrl}/`);
      await connectAs(other, 'pat');
      await until(other, 'unread-count', '5');

      const [, , second] = waiting;
      await page.locator(`[data-id="${second}"] [data-testid="item-read"]`).click();
      await until(page, 'unread-count', '4');
      await page.locator(`[data-testid="feed-item"][data-id="${second}"][data-read="true"]`).waitFor();
      await expect(page.locator(`[data-id="${second}"]`).getAttribute('class')).resolves.toBe('read');
      await expect(page.locator(`[data-id="${second}"] [data-testid="item-read"]`).count()).resolves.toBe(0);
      await until(other, 'unread-count', '4');

      const [first] = waiting;
      await page.locator(`[data-id="${first}"] [data-testid="item-archive"]`).click();
      await page.locator(`[data-testid="feed-item"][data-id="${first}"]`).waitFor({ state: 'detached' });
      await until(page, 'unread-count', '3');
      await until(other, 'unread-count', '3');
      const archived = await http(running.baseUrl, 'GET', '/users/pat/notifications?archived=true');
      expect((archived.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([first]);

      // The send form reaches the feed too.
      await page.getByTestId('send-to').fill('pat');
      await page.getByTestId('send-type').fill('invoice.paid');
      await page.getByTestId('send-payload').fill('{"invoice": "INV-7", "amount": 99.5}');
      await page.getByTestId('send').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"]').length === 5);
      await page.waitForFunction(() => document.querySelector('[data-testid="send-result"]')?.textContent?.startsWith('202: sent '));
      await until(page, 'unread-count', '4');
      await until(other, 'unseen-badge', '2');

      mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });

      await page.getByTestId('read-all').click();
      await until(page, 'unread-count', '0');
      await expect(page.locator('[data-testid="feed-item"][data-read="false"]').count()).resolves.toBe(0);
      await expect(page.getByTestId('read-all').isDisabled()).resolves.toBe(true);
      await until(other, 'unread-count', '0');
      await other.close();
      expect(errors).toEqual([]);
    });

    it('shows text from the wire as text, never as markup', async () => {
      const other = await browser.newPage();
      await other.goto(`${running.baseUrl}/`);
      await connectAs(other, 'mallory');
      const markup = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>';
      await post(running, { type: 'html.attempt', payload: { text: markup }, userIds: ['mallory'] });
      await other.getByTestId('bell').click();
      await other.locator('[data-testid="feed-item"]').waitFor();
      await expect(other.locator('[data-testid="feed-item"] .payload').textContent()).resolves.toBe(JSON.stringify({ text: markup }));
      await expect(other.locator('[data-testid="feed"] img, [data-testid="feed"] script').count()).resolves.toBe(0);
      await expect(other.evaluate(() => (window as { pwned?: number }).pwned)).resolves.toBeUndefined();
      await other.close();
    });
  });

  describe('with JWT identity', () => {
    let running: RunningApp;
    let page: Page;

    beforeAll(async () => {
      running = await startApp({ jwtSecret: JWT_SECRET });
      page = await browser.newPage();
    });
    afterAll(async () => {
      await page?.close();
      await running?.close();
    });

    it('hides the dev-only controls and connects with a token', async () => {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('quinn')
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(JWT_SECRET));
      await page.goto(`${running.baseUrl}/`);
      await expect(page.getByTestId('mode').textContent()).resolves.toBe('JWT required');
      await expect(page.locator('#send-panel').isHidden()).resolves.toBe(true);
      await expect(page.getByTestId('user-input').isHidden()).resolves.toBe(true);

      await page.getByTestId('token-input').fill(token);
      await page.getByTestId('connect').click();
      await page.locator('[data-testid="state"][data-state="open"]').waitFor();
      await expect(page.locator('[data-field="userId"]').textContent()).resolves.toBe('quinn');

      await post(running, { type: 'welcome.aboard', userIds: ['quinn'] });
      await until(page, 'unseen-badge', '1');
      await until(page, 'unread-count', '1');
      await page.getByTestId('bell').click();
      await page.locator('[data-testid="feed-item"] .type').getByText('welcome.aboard').waitFor();
      await until(page, 'unseen-badge', '0');
    });
  });
});
