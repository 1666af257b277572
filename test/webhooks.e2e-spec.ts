import { randomBytes } from 'node:crypto';
import { freePort } from './support/built-service.js';
import { eventually } from './support/eventually.js';
import { http } from './support/http.js';
import { type RunningApp, startApp } from './support/start-app.js';
import { WEBHOOK_SECRET, WebhookReceiver } from './support/webhook-receiver.fixture.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Webhooks against a real HTTP receiver: one service in this process, memory store. */
describe('webhooks', () => {
  let receiver: WebhookReceiver;
  let running: RunningApp | undefined;
  const clients = new ClientPool();
  const start = async (options: Record<string, unknown> = {}): Promise<RunningApp> => {
    running = await startApp({ webhookUrl: receiver.url, webhookSecret: WEBHOOK_SECRET, presenceGraceS: 1, webhookTimeoutMs: 1000, ...options });
    return running;
  };
  const connect = (userId: string): Promise<TestClient> => clients.connect(`${running!.wsUrl}?user=${userId}`);
  const user = () => `u${randomBytes(4).toString('hex')}`;

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    clients.closeAll();
    await running?.close();
    running = undefined;
    await receiver.close();
  });

  it('POSTs user.online and, after the grace period, user.offline, signed with the secret (Standard Webhooks)', async () => {
    await start();
    const alice = user();
    const client = await connect(alice);
    const [online] = await eventually(() => {
      const found = receiver.deliveredOf('user.online', alice);
      expect(found).toHaveLength(1);
      return found;
    }, 'user.online');
    expect(online).toEqual({ id: expect.stringMatching(/^evt_/), type: 'user.online', timestamp: expect.any(String), data: { userId: alice } });
    const request = receiver.requests.find((r) => r.headers['webhook-id'] === online.id)!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    // Another secret does not verify it.
    const forged = { ...request, headers: { ...request.headers, 'webhook-signature': request.headers['webhook-signature']!.toString().replace(/.{4}$/, 'AAA=') } };
    expect(() => receiver.verify(forged)).toThrow();

    client.close();
    await client.waitClose();
    const closedAt = Date.now();
    const [offline] = await eventually(() => {
      const found = receiver.deliveredOf('user.offline', alice);
      expect(found).toHaveLength(1);
      return found;
    }, 'user.offline');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(900);
    expect(offline.data).toEqual({ userId: alice });
  });

  it('sends neither user.offline nor a second user.online for a reload inside the grace period', async () => {
    await start();
    const bob = user();
    const first = await connect(bob);
    await eventually(() => expect(receiver.deliveredOf('user.online', bob)).toHaveLength(1), 'user.online');
    first.close();
    await first.waitClose();
    await connect(bob);
    await sleep(2000);
    expect(receiver.deliveredOf('user.offline', bob)).toHaveLength(0);
    expect(receiver.deliveredOf('user.online', bob)).toHaveLength(1);
  });

  it('retries a receiver that answers 500 three times, then delivers the event exactly once more', async () => {
    await receiver.close();
    receiver = await WebhookReceiver.start([500, 500, 500]);
    await start();
    const carol = user();
    await connect(carol);
    await eventually(() => expect(receiver.deliveredOf('user.online', carol)).toHaveLength(1), 'user.online after three 500s', 15_000);
    const ids = receiver.requests.map((request) => request.headers['webhook-id']);
    expect(receiver.requests.map((request) => request.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(ids).size).toBe(1);
    // Each attempt is signed anew, and every one verifies.
    for (const request of receiver.requests) expect(receiver.verify(request).type).toBe('user.online');
    await sleep(2500);
    expect(receiver.requests).toHaveLength(4);
  }, 30_000);

  it('sends notification.unread for a personal notification still unread ESCALATE_AFTER_S after creation, not for one read in time', async () => {
    const app = await start({ escalateAfterS: 1 });
    const dave = user();
    const { body } = await http(app.baseUrl, 'POST', '/notifications', { userIds: [dave], type: 'invoice', payload: { n: 1 } });
    const [unread] = body.notifications;
    const second = await http(app.baseUrl, 'POST', '/notifications', { userIds: [dave], type: 'invoice', payload: { n: 2 } });
    const [readInTime] = second.body.notifications;
    expect((await http(app.baseUrl, 'POST', `/users/${dave}/notifications/read`, { ids: [readInTime.id] })).status).toBe(200);
    const [event] = await eventually(() => {
      const found = receiver.deliveredOf('notification.unread', dave);
      expect(found).toHaveLength(1);
      return found;
    }, 'notification.unread');
    expect(event.data).toEqual({ userId: dave, notification: expect.objectContaining({ id: unread.id, topic: `user:${dave}`, type: 'invoice', payload: { n: 1 } }) });
    await sleep(2000);
    expect(receiver.deliveredOf('notification.unread', dave)).toHaveLength(1);
  });

  it('keeps GET /health/ready up while the receiver is down, and counts the failed attempts and the waiting events', async () => {
    const app = await start({ webhookUrl: `http://127.0.0.1:${await freePort()}/down` });
    await connect(user());
    await eventually(async () => {
      const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^notifications_webhook_attempts_total\{outcome="unreachable"\} [1-9]/m);
      expect(metrics).toMatch(/^notifications_webhook_outbox_depth [1-9]/m);
    }, 'failed attempts in /metrics');
    const ready = await http(app.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
  });

  it('refuses to start with WEBHOOK_URL and no (or a malformed) secret', async () => {
    await expect(startApp({ webhookUrl: receiver.url })).rejects.toThrow(/WEBHOOK_SECRET/);
    await expect(startApp({ webhookUrl: receiver.url, webhookSecret: 'plain-text-secret-1234567890' })).rejects.toThrow(/WEBHOOK_SECRET must be whsec_/);
  });
});
