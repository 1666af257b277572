import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/built-service.js';
import { eventually } from './support/eventually.js';
import { http } from './support/http.js';
import { ScratchDatabase } from './support/scratch-database.fixture.js';
import { type ServiceInstance, startInstance } from './support/service-instance.fixture.js';
import { WEBHOOK_SECRET, WebhookReceiver } from './support/webhook-receiver.fixture.js';
import { ClientPool } from './support/client-pool.js';
import { TestClient } from './support/ws-client.js';
import { describeWithRedisAndPostgres } from './support/cluster.fixture.js';

const { REDIS_URL, DATABASE_URL } = process.env;
const describeCluster = describeWithRedisAndPostgres('Presence and webhook cluster e2e');

const HEARTBEAT_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const user = () => `u${randomBytes(4).toString('hex')}`;

/** Ends a service as a crash would: no shutdown hooks, nothing flushed. */
const kill9 = async ({ child, exited }: ServiceInstance): Promise<void> => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
};

/** Each delivered event id counted: a cluster delivers each once. */
const deliveriesById = (receiver: WebhookReceiver): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const event of receiver.delivered()) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
  return counts;
};

/** Two `node dist/main.js` processes sharing a Redis channel and a PostgreSQL database, webhooks to a real receiver. */
describeCluster('presence and webhooks across two instances (Redis, PostgreSQL)', () => {
  let database: ScratchDatabase;
  let receiver: WebhookReceiver;
  let a: ServiceInstance;
  let b: ServiceInstance;
  const clients = ClientPool.closedAfterEach();
  const connect = (instance: ServiceInstance, userId: string): Promise<TestClient> => clients.connect(`${instance.wsUrl}?user=${userId}`);
  const online = async (instance: ServiceInstance, userId: string): Promise<boolean> => {
    const { status, body } = await http(instance.baseUrl, 'GET', `/presence?userIds=${userId}`);
    expect(status).toBe(200);
    return body.online[userId];
  };

  beforeAll(async () => {
    [database, receiver] = await Promise.all([ScratchDatabase.create(DATABASE_URL!, 'presence'), WebhookReceiver.start()]);
    const env = {
      STORE: 'postgres',
      DATABASE_URL: database.url,
      BROKER: 'redis',
      REDIS_URL: REDIS_URL!,
      REDIS_CHANNEL: `presence-cluster:${randomBytes(6).toString('hex')}`,
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      PRESENCE_GRACE_S: '1',
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET,
      WEBHOOK_TIMEOUT_MS: '1000',
      ESCALATE_AFTER_S: '1',
      LOG_LEVEL: 'warn',
    };
    a = await startInstance(env);
    b = await startInstance(env);
  });
  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((instance) => instance.stop()));
    await Promise.all([database?.drop(), receiver?.close()]);
  });

  it('sees a user online on instance A from instance B, and offline there once the last connection closed', async () => {
    const alice = user();
    const client = await connect(a, alice);
    await eventually(async () => expect(await online(b, alice)).toBe(true), 'alice online on B');
    client.close();
    await eventually(async () => expect(await online(b, alice)).toBe(false), 'alice offline on B');
  });

  it('sends no user.offline and no second user.online for a reload onto the other instance inside the grace period', async () => {
    const bob = user();
    const first = await connect(a, bob);
    await eventually(() => expect(receiver.deliveredOf('user.online', bob)).toHaveLength(1), 'user.online');
    first.close();
    await first.waitClose();
    await connect(b, bob);
    await sleep(2500);
    expect(receiver.deliveredOf('user.offline', bob)).toHaveLength(0);
    expect(receiver.deliveredOf('user.online', bob)).toHaveLength(1);
  });

  it('delivers each event once although both instances see every presence change and scan for unread notifications', async () => {
    const users = Array.from({ length: 10 }, user);
    await Promise.all(users.map((userId, index) => connect(index % 2 === 0 ? a : b, userId)));
    const published: string[] = [];
    for (const [index, userId] of users.entries()) {
      const { status, body } = await http((index % 2 === 0 ? b : a).baseUrl, 'POST', '/notifications', { userIds: [userId], type: 'mention' });
      expect(status).toBe(202);
      published.push(body.notifications[0].id);
    }
    await eventually(
      () => {
        const unread = receiver.delivered().filter((event) => event.type === 'notification.unread' && users.includes(event.data.userId));
        expect(unread.map((event) => event.data.notification.id).sort()).toEqual([...published].sort());
        for (const userId of users) expect(receiver.deliveredOf('user.online', userId)).toHaveLength(1);
      },
      'one notification.unread per notification and one user.online per user',
      15_000,
    );
    await sleep(1500);
    const repeated = [...deliveriesById(receiver)].filter(([, count]) => count > 1);
    expect(repeated).toEqual([]);
  }, 30_000);

  it('counts the users of a kill -9ed instance offline within two heartbeat intervals, then sends their user.offline once', async () => {
    const carol = user();
    await connect(a, carol);
    await eventually(async () => expect(await online(b, carol)).toBe(true), 'carol online on B');
    await kill9(a);
    const killedAt = Date.now();
    await eventually(async () => expect(await online(b, carol)).toBe(false), 'carol offline on B', 2 * HEARTBEAT_MS);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2 * HEARTBEAT_MS + 250);
    await eventually(() => expect(receiver.deliveredOf('user.offline', carol)).toHaveLength(1), 'user.offline of carol');
    await sleep(1000);
    expect(receiver.deliveredOf('user.offline', carol)).toHaveLength(1);
  });
});

/** The outbox survives a crash: events stored before a kill -9 reach the receiver after the restart. */
describe('webhook outbox across a kill -9 (SQLite)', () => {
  let dir: string;
  let receiver: WebhookReceiver | undefined;
  const instances: ServiceInstance[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'webhook-outbox-'));
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map(kill9));
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers after the restart what was waiting in the outbox', async () => {
    const receiverPort = await freePort();
    const env = {
      STORE: 'sqlite',
      SQLITE_PATH: join(dir, 'notifications.db'),
      WEBHOOK_URL: `http://127.0.0.1:${receiverPort}/hooks`,
      WEBHOOK_SECRET,
      ESCALATE_AFTER_S: '1',
      LOG_LEVEL: 'error',
    };
    const first = await startInstance(env);
    instances.push(first);
    const dave = user();
    const client = await TestClient.connect(`${first.wsUrl}?user=${dave}`);
    const { body } = await http(first.baseUrl, 'POST', '/notifications', { userIds: [dave], type: 'invoice' });
    // Both events are stored and their first attempts failed: nobody listens at the receiver's port yet.
    await eventually(async () => {
      const metrics = await (await fetch(`${first.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^notifications_webhook_outbox_depth 2$/m);
    }, 'user.online and notification.unread waiting in the outbox');
    await kill9(first);
    client.close();

    receiver = await WebhookReceiver.start([], receiverPort);
    instances.push(await startInstance(env));
    await eventually(
      () => {
        expect(receiver!.deliveredOf('user.online', dave)).toHaveLength(1);
        expect(receiver!.deliveredOf('notification.unread', dave).map((event) => event.data.notification.id)).toEqual([body.notifications[0].id]);
      },
      'the stored events after the restart',
      15_000,
    );
  }, 30_000);
});
