import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { formatNotificationId, parseNotificationId } from '../../src/notifications/store/notification-id.js';
import { publish } from '../support/rest-publish.js';
import { type RunningApp, startApp } from '../support/start-app.js';
import { ClientPool } from '../support/client-pool.js';
import { TestClient } from '../support/ws-client.js';

const { REDIS_URL } = process.env;
if (!REDIS_URL) console.log('Forged broker event e2e skipped: REDIS_URL is unset');
const describeWithRedis = REDIS_URL ? describe : describe.skip;

/** Whoever can publish on the deployment's Redis channel reaches every Hub: what it sends must not be trusted blindly. */
describeWithRedis('a forged or garbled message on the broker channel', () => {
  const run = randomBytes(6).toString('hex');
  const channel = `forged:${run}`;
  const topic = `forged.${run}`;
  const user = `erin-${run}`;
  let running: RunningApp;
  let stranger: Redis;
  const clients = new ClientPool();

  beforeAll(async () => {
    running = await startApp({ broker: 'redis', redisUrl: REDIS_URL, redisChannel: channel });
    stranger = new Redis(REDIS_URL!);
  });
  afterAll(async () => {
    clients.closeAll();
    stranger?.disconnect();
    await running?.close();
  });

  const publishReal = async (n: number): Promise<string> => (await publish(running.baseUrl, { type: 'real', topic, payload: { n } }))[0].id;

  it('is not delivered, and does not silence its topic or move an unread count', async () => {
    const watcher = await TestClient.connect(running.wsUrl);
    const owner = await TestClient.connect(`${running.wsUrl}?user=${user}`);
    clients.keep([watcher, owner]);
    await watcher.request('subscribe', { topic }, 'subscribed');
    expect((await owner.next('unread')).data).toEqual({ count: 0 });
    const first = await publishReal(1);
    expect((await watcher.next('notification')).data).toMatchObject({ id: first, payload: { n: 1 } });

    const { epoch } = parseNotificationId(first)!;
    const forged = (id: string, fields: Record<string, unknown> = {}) => ({
      kind: 'notification',
      notification: { id, topic, type: 'forged', payload: { forged: true }, createdAt: new Date().toISOString(), ...fields },
    });
    const highest = 999_999_999_999_999;
    await stranger.publish(channel, JSON.stringify([
      // Another store's id, higher than any this topic will reach.
      forged(formatNotificationId(epoch === 'otherstore' ? 'elsewhere' : 'otherstore', highest)),
      forged(`${highest}`),
      // This store's epoch, but not a notification: no payload.
      forged(formatNotificationId(epoch, highest), { payload: undefined }),
      { kind: 'unread', userId: user, count: -5 },
    ]));
    await stranger.publish(channel, 'not even JSON');

    const second = await publishReal(2);
    expect((await watcher.next('notification')).data).toMatchObject({ id: second, payload: { n: 2 } });
    await watcher.expectNone('notification', 300);
    await owner.expectNone('unread', 0);
    await owner.expectNone('notification', 0);
  });
});
