import { NOTIFICATION_STORE, type NotificationStore } from '../src/notifications/index.js';
import { RedisServerProcess } from './broker/redis-server.fixture.js';
import { http } from './support/http.js';
import { startApp, type RunningApp } from './support/start-app.js';

const API_KEY = 'health-test-api-key-0123456789';

/** GET /health/live and /health/ready (contract section 6): Terminus-style, no API key. */
describe('health', () => {
  describe('with a store and a broker that answer', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp({ apiKey: API_KEY });
    });
    afterAll(() => running.close());

    it('live answers 200 without an API key', async () => {
      const { status, body } = await http(running.baseUrl, 'GET', '/health/live');
      expect(status).toBe(200);
      expect(body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });

    it('ready answers 200 with the store and the broker up, without an API key', async () => {
      const { status, body } = await http(running.baseUrl, 'GET', '/health/ready');
      expect(status).toBe(200);
      expect(body).toEqual({
        status: 'ok',
        info: { store: expect.objectContaining({ status: 'up' }), broker: expect.objectContaining({ status: 'up' }) },
        error: {},
        details: { store: expect.objectContaining({ status: 'up' }), broker: expect.objectContaining({ status: 'up' }) },
      });
    });

    it('answers with no-cache headers, so probes never read a stale answer', async () => {
      const response = await fetch(`${running.baseUrl}/health/ready`);
      expect(response.headers.get('cache-control')).toContain('no-store');
    });
  });

  it('ready answers 503 naming the store when the store is down, while live stays 200', async () => {
    const running = await startApp();
    try {
      await running.app.get<NotificationStore>(NOTIFICATION_STORE).close();
      const ready = await http(running.baseUrl, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({
        status: 'error',
        info: { broker: expect.objectContaining({ status: 'up' }) },
        error: { store: expect.objectContaining({ status: 'down', message: expect.any(String) }) },
        details: {
          store: expect.objectContaining({ status: 'down' }),
          broker: expect.objectContaining({ status: 'up' }),
        },
      });
      expect((await http(running.baseUrl, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('ready answers 503 naming the broker when Redis goes away, and 200 again when it is back', async () => {
    const redis = await RedisServerProcess.onSparePort();
    await redis.start();
    const running = await startApp({ broker: 'redis', redisUrl: redis.url });
    try {
      expect((await http(running.baseUrl, 'GET', '/health/ready')).status).toBe(200);
      await redis.kill();
      const ready = await http(running.baseUrl, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error).toEqual({ broker: expect.objectContaining({ status: 'down', message: expect.any(String) }) });
      expect(ready.body.info).toEqual({ store: expect.objectContaining({ status: 'up' }) });
      await redis.start();
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        status = (await http(running.baseUrl, 'GET', '/health/ready')).status;
      }
      expect(status).toBe(200);
    } finally {
      await running.close();
      await redis.kill();
    }
  });
});
