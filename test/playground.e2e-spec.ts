import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { SignJWT } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { http } from './support/http.js';
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
const post = async (running: RunningApp, body: unknown): Promise<string[]> => {
  const { status, body: answer } = await http(running.baseUrl, 'POST', '/notifications', body);
  expect(status).toBe(202);
  return (answer as { notifications: { id: string }[] }).notifications.map((n) => n.id);
};

const badge = (page: Page) => page.getByTestId('unread-badge');
const listed = (page: Page) => page.locator('[data-testid="notification"]');

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
    let page: Page;

    beforeAll(async () => {
      running = await startApp();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    });
    afterAll(async () => {
      await page?.close();
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

    it('connects, lists notifications live, marks them read and sends one itself', async () => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${running.baseUrl}/`);
      await expect(page.getByTestId('mode').textContent()).resolves.toBe('insecure dev mode');

      await page.getByTestId('user-input').fill('pat');
      await page.getByTestId('connect').click();
      await page.locator('[data-testid="state"][data-state="open"]').waitFor();
      await expect(page.locator('[data-field="userId"]').textContent()).resolves.toBe('pat');
      await page.locator('[data-topic="user:pat"]').waitFor();

      await page.getByTestId('topic-input').fill('releases');
      await page.getByTestId('subscribe').click();
      await page.locator('[data-topic="releases"]').waitFor();

      const [first] = await post(running, { type: 'order.shipped', payload: { order: 1042 }, userIds: ['pat'] });
      await post(running, { type: 'comment.added', payload: { by: 'sam', text: 'Looks good' }, userIds: ['pat'] });
      await post(running, { type: 'release.published', payload: { version: '1.4.0' }, topic: 'releases' });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="notification"]').length === 3);
      await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === '2');
      // Newest first.
      await expect(listed(page).first().locator('.type').textContent()).resolves.toBe('release.published');

      await page.locator(`[data-id="${first}"] [data-testid="mark-read"]`).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === '1');
      await expect(page.locator(`[data-id="${first}"]`).getAttribute('class')).resolves.not.toContain('unread');

      await page.getByTestId('send-to').fill('pat');
      await page.getByTestId('send-type').fill('invoice.ready');
      await page.getByTestId('send-payload').fill('{"invoice": "INV-7", "amount": 99.5}');
      await page.getByTestId('send').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="notification"]').length === 4);
      await expect(page.getByTestId('send-result').textContent()).resolves.toMatch(/^202: sent /);
      await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === '2');

      mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });

      await page.getByTestId('read-all').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === '0');
      await expect(page.locator('[data-testid="notification"].unread').count()).resolves.toBe(0);
      expect(errors).toEqual([]);
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
      await listed(page).first().waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="unread-badge"]')?.textContent === '1');
      await expect(badge(page).getAttribute('class')).resolves.toContain('has-unread');
    });
  });
});
