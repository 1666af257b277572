import { chromium, type Browser, type Page } from 'playwright-core';
import { Hub } from '../src/notifications/hub/hub.service.js';
import { CloseCode } from '../src/notifications/protocol/close-codes.js';
import { eventually } from './support/eventually.js';
import { publish } from './support/rest-publish.js';
import { startApp, type RunningApp } from './support/start-app.js';

/** What the page's EventSource saw: welcomes (one per connection) and notification ids as `lastEventId` had them. */
interface Seen {
  welcomes: string[];
  notifications: Array<{ lastEventId: string; id: string }>;
  errors: number;
}

const publishTo = async (running: RunningApp, topic: string): Promise<string> => (await publish(running.baseUrl, { type: 'browser.test', topic }))[0].id;

describe('a browser EventSource on GET /sse (headless Chromium)', () => {
  let browser: Browser;
  let running: RunningApp;
  let page: Page;
  const seen = (): Promise<Seen> => page.evaluate(() => (window as unknown as { seen: Seen }).seen);

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    running = await startApp({});
    page = await browser.newPage();
    // A page of the service's own origin: the stream is same-origin, as a front end's would be.
    await page.goto(`${running.baseUrl}/health/live`);
  });
  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await running?.close();
  });

  it('receives live notifications, and after the server drops the stream reconnects and gets what it missed: no gap, no duplicate', async () => {
    await page.evaluate((url) => {
      const seen: Seen = { welcomes: [], notifications: [], errors: 0 };
      (window as unknown as { seen: Seen }).seen = seen;
      const source = new EventSource(url);
      source.addEventListener('welcome', (event) => seen.welcomes.push(JSON.parse((event).data).connectionId));
      source.addEventListener('notification', (event) => {
        const message = event;
        seen.notifications.push({ lastEventId: message.lastEventId, id: JSON.parse(message.data).id });
      });
      source.addEventListener('error', () => seen.errors++);
    }, `${running.baseUrl}/sse?user=browser-ann&topics=browser-a,browser-b`);
    await eventually(async () => expect((await seen()).welcomes).toHaveLength(1), 'the stream to open');

    const published = [await publishTo(running, 'browser-a'), await publishTo(running, 'browser-b'), await publishTo(running, 'browser-a')];
    await eventually(async () => expect((await seen()).notifications).toHaveLength(3), 'the live notifications');

    // The server drops the stream (as on a 4008 or a restart); what is published until the browser is back, it missed.
    const hub = running.app.get(Hub);
    for (const connection of [...hub.connections]) hub.close(connection, CloseCode.GOING_AWAY, 'dropped by the test');
    await eventually(async () => expect((await seen()).errors).toBeGreaterThan(0), 'the browser to see the stream end');
    for (let i = 0; i < 6; i++) published.push(await publishTo(running, i % 2 === 0 ? 'browser-b' : 'browser-a'));

    await eventually(async () => expect((await seen()).welcomes).toHaveLength(2), 'the browser to reconnect', 15_000);
    published.push(await publishTo(running, 'browser-b'));
    await eventually(async () => expect((await seen()).notifications.length).toBeGreaterThanOrEqual(published.length), 'the missed and live ones');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { notifications, welcomes } = await seen();
    expect(notifications.map((n) => n.id)).toEqual(published);
    expect(notifications.every((n) => n.lastEventId === n.id)).toBe(true);
    expect(new Set(welcomes).size).toBe(2);
  });
});
