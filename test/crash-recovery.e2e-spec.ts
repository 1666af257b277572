import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNotificationId } from '../src/notifications/store/notification-id.js';
import { freePort, runService, type ServiceProcess, waitForPort } from './support/built-service.js';
import { http } from './support/http.js';
import { publish } from './support/rest-publish.js';
import { PublishStream } from './support/publish-stream.js';
import { ClientPool } from './support/client-pool.js';
import { type Frame, TestClient } from './support/ws-client.js';

const seqOf = (id: string): number => parseNotificationId(id)!.seq;

interface RunningService extends ServiceProcess {
  baseUrl: string;
  wsUrl: string;
}

/** Durable delivery (contract section 5) through a real crash: SIGKILL of the service process. */
describe('crash recovery with the sqlite store', () => {
  let dir: string;
  const services: RunningService[] = [];
  const clients = new ClientPool();

  /** Starts `node dist/main.js` on the file; fails with the service's output if it exits instead. */
  const start = async (dbPath: string): Promise<RunningService> => {
    const port = await freePort();
    const service = runService({ PORT: String(port), STORE: 'sqlite', SQLITE_PATH: dbPath, LOG_LEVEL: 'warn' });
    const running = { ...service, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
    services.push(running);
    const died = service.exited.then((code) => Promise.reject(new Error(`service exited with ${code}:\n${service.output()}`)));
    await Promise.race([waitForPort(port), died]);
    return running;
  };
  /** Ends the service as a crash would: no shutdown hooks, no last flush. */
  const kill = async ({ child, exited }: RunningService): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const connect = (service: RunningService): Promise<TestClient> => clients.connect(service.wsUrl);
  const publishItem = async (service: RunningService, topic: string, n: number): Promise<string> => (await publish(service.baseUrl, { type: 'stream.item', topic, payload: { n } }))[0].id;
  const notificationsIn = (frames: Frame[]) => frames.filter((f) => f.event === 'notification').map((f) => f.data);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crash-recovery-'));
  });
  afterEach(async () => {
    clients.closeAll();
    await Promise.all(services.splice(0).map(kill));
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Checks one client's view across the crash: every 202 exactly once with its payload, ids
   * increasing, and nothing beyond what was published (a request under way at the kill may be there).
   */
  const expectDeliveredOnce = (received: any[], acked: Map<number, string>, unanswered: Set<number>): void => {
    const ids = received.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(seqOf(ids[i])).toBeGreaterThan(seqOf(ids[i - 1]));
    const byId = new Map(received.map((n) => [n.id, n]));
    for (const [n, id] of acked) expect(byId.get(id)?.payload).toEqual({ n });
    const ackedIds = new Set(acked.values());
    for (const n of received.filter((r) => !ackedIds.has(r.id))) expect(unanswered.has(n.payload.n)).toBe(true);
  };
  /** Resubscribes with `since` and returns the replayed notifications. */
  const resubscribe = async (client: TestClient, topic: string, since: string) => {
    const subscribed = await client.request('subscribe', { topic, since }, 'subscribed');
    expect(subscribed.data).toMatchObject({ topic, recovered: true });
    const replayed = [];
    for (let i = 0; i < subscribed.data.missed; i++) replayed.push((await client.next('notification')).data);
    return replayed;
  };

  it('every notification that got a 202 before a kill -9 arrives exactly once, in id order, after resubscribing with since', async () => {
    const dbPath = join(dir, 'notifications.db');
    const topic = 'crash.orders';
    const first = await start(dbPath);
    // One client stays to the crash; the other leaves early, so its replay comes from the file.
    const [stayer, leaver] = [await connect(first), await connect(first)];
    for (const client of [stayer, leaver]) {
      expect((await client.request('subscribe', { topic }, 'subscribed')).data).toEqual({ topic, recovered: false, missed: 0 });
    }

    const stream = new PublishStream(first.baseUrl, topic, 4);
    await stream.acked(50);
    leaver.close();
    await leaver.waitClose();
    await stream.acked(notificationsIn(leaver.frames).length + 100);
    stream.stop();
    await kill(first);
    const { acked, unanswered, refused } = await stream.settled();
    await stayer.waitClose();
    expect(refused.size).toBe(0);

    const second = await start(dbPath);
    const views = [];
    for (const before of [stayer, leaver]) {
      const seenBefore = notificationsIn(before.frames);
      expect(seenBefore.length).toBeGreaterThan(0);
      const after = await connect(second);
      views.push({ seenBefore, after, replayed: await resubscribe(after, topic, seenBefore[seenBefore.length - 1].id) });
    }
    const liveIds = [await publishItem(second, topic, -1), await publishItem(second, topic, -2)];
    liveIds.forEach((id, i) => acked.set(-1 - i, id));
    for (const { seenBefore, after, replayed } of views) {
      const received = [...seenBefore, ...replayed];
      for (const id of liveIds) {
        const notification = (await after.next('notification')).data;
        expect(notification.id).toBe(id);
        received.push(notification);
      }
      await after.expectNone('notification', 200);
      expectDeliveredOnce(received, acked, unanswered);
    }
    const [stayerView, leaverView] = views;
    // The early leaver missed at least a hundred notifications; they came back from the file.
    expect(leaverView.replayed.length).toBeGreaterThanOrEqual(100);
    // The stored history is exactly what the client that stayed received.
    const history = await http(second.baseUrl, 'GET', `/topics/${topic}/notifications?limit=1000`);
    const stayerIds = [...stayerView.seenBefore, ...stayerView.replayed].map((n) => n.id);
    expect(history.body.items.map((n: { id: string }) => n.id)).toEqual([...stayerIds, ...liveIds]);
  });

  it('after a restart on a deleted database file, resubscribing with since answers recovered: false and live delivery goes on', async () => {
    const dbPath = join(dir, 'notifications.db');
    const topic = 'crash.wiped';
    const first = await start(dbPath);
    const before = await connect(first);
    await before.request('subscribe', { topic }, 'subscribed');
    const sent = [await publishItem(first, topic, 1), await publishItem(first, topic, 2), await publishItem(first, topic, 3)];
    for (const id of sent) expect((await before.next('notification')).data.id).toBe(id);
    await kill(first);
    await before.waitClose();
    for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(file, { force: true });

    const second = await start(dbPath);
    const after = await connect(second);
    const subscribed = await after.request('subscribe', { topic, since: sent[2] }, 'subscribed');
    expect(subscribed.data).toEqual({ topic, recovered: false, missed: 0 });
    const history = await http(second.baseUrl, 'GET', `/topics/${topic}/notifications?since=${sent[2]}`);
    expect(history).toEqual({ status: 200, body: { items: [], recovered: false } });
    const fresh = await publishItem(second, topic, 4);
    expect(sent).not.toContain(fresh);
    expect((await after.next('notification')).data).toMatchObject({ id: fresh, topic, payload: { n: 4 } });
  });
});
