import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import pg from 'pg';
import { advisoryLockKey } from '../../src/notifications/store/postgres/postgres-append.locks.js';
import { eventually } from '../support/eventually.js';
import { http } from '../support/http.js';
import { ScratchDatabase } from '../support/scratch-database.fixture.js';
import { type RunningApp, startApp } from '../support/start-app.js';
import { TcpProxy } from '../support/tcp-proxy.fixture.js';

const { DATABASE_URL } = process.env;
if (!DATABASE_URL) console.log('REST limits on PostgreSQL skipped: DATABASE_URL is unset');
const describeWithPostgres = DATABASE_URL ? describe : describe.skip;

/** Sends `head` and `body` as they are and keeps the socket open; answers what came back once the server closed it. */
async function rawExchange(port: number, head: string, body: string): Promise<{ response: string; elapsedMs: number }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  let response = '';
  socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
  socket.write(head + body);
  await once(socket, 'close');
  return { response, elapsedMs: Date.now() - started };
}

/** A POST whose answer is read with its connection header (fetch hides it). */
function post(port: number, body: unknown): Promise<{ status: number; connection?: string; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/notifications', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

/** No stack, SQL, host, port, file path or driver error in an answer. */
function expectNoInternals(body: unknown, port: number): void {
  const text = JSON.stringify(body);
  for (const internal of ['127.0.0.1', String(port), 'ECONN', 'SELECT', 'database', 'timeout expired', 'Connection terminated', '    at ', '/']) {
    expect({ internal, found: text.includes(internal) }).toEqual({ internal, found: false });
  }
}

describe('REST limits (contract 1.1, section 10)', () => {
  describe('REQUEST_TIMEOUT_MS and MAX_PUBLISH_BYTES', () => {
    const requestTimeoutMs = 1000;
    let service: RunningApp;
    beforeAll(async () => {
      service = await startApp({}, { requestTimeoutMs });
    });
    afterAll(() => service.app.close());

    it('answers 408 and closes the connection when a request body never finishes', async () => {
      const head = 'POST /notifications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
      const { response, elapsedMs } = await rawExchange(service.port, head, '{"type":"slow.body","topic":"orders"');

      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(elapsedMs).toBeGreaterThanOrEqual(requestTimeoutMs - 100);
      expect(elapsedMs).toBeLessThan(requestTimeoutMs + 1500);
      expect((await http(service.baseUrl, 'GET', '/topics/orders/notifications')).body.items).toEqual([]);
    });

    it('answers 413 naming the limit when the payload times its targets passes MAX_PUBLISH_BYTES, storing nothing', async () => {
      const payload = { blob: 'x'.repeat(60_000) };
      const users = (count: number) => Array.from({ length: count }, (_, index) => `bulk-${count}-${index}`);
      const stored = (targets: number) => Buffer.byteLength(JSON.stringify(payload)) * targets;
      // 70 copies are just over the default 4 MiB, 69 just under.
      expect([stored(69), stored(70)].map((bytes) => bytes > 4 * 1024 * 1024)).toEqual([false, true]);
      const refused = await http(service.baseUrl, 'POST', '/notifications', { type: 'bulk', userIds: users(70), payload });
      expect(refused.status).toBe(413);
      expect(refused.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: `payload × targets is ${stored(70)} bytes, over the 4194304 bytes one publish may store (MAX_PUBLISH_BYTES)`,
      });
      expect((await http(service.baseUrl, 'GET', `/users/${users(70)[0]}/notifications`)).body).toMatchObject({ items: [], unreadCount: 0 });

      const accepted = await http(service.baseUrl, 'POST', '/notifications', { type: 'bulk', userIds: users(69), payload });
      expect(accepted.status).toBe(202);
      expect(accepted.body.notifications).toHaveLength(69);
    });

    it('counts one target for a topic or a broadcast, however large the payload the body allows', async () => {
      const limited = await startApp({ maxPublishBytes: 1000 });
      try {
        const small = { note: 'x'.repeat(400) };
        expect((await http(limited.baseUrl, 'POST', '/notifications', { type: 'one', topic: 'orders', payload: small })).status).toBe(202);
        expect((await http(limited.baseUrl, 'POST', '/notifications', { type: 'one', broadcast: true, payload: small })).status).toBe(202);
        expect((await http(limited.baseUrl, 'POST', '/notifications', { type: 'three', userIds: ['a', 'b', 'c'], payload: small })).status).toBe(413);
      } finally {
        await limited.app.close();
      }
    });
  });

  describeWithPostgres('on PostgreSQL', () => {
    let database: ScratchDatabase;
    let admin: pg.Client;
    const appendsLock = advisoryLockKey('public', 'appends');

    beforeAll(async () => {
      database = await ScratchDatabase.create(DATABASE_URL!, 'limits');
      admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
      await database?.drop();
    });

    /** Until `admin` lets go, every append of the store waits for its locks. */
    const holdAppends = () => admin.query('SELECT pg_advisory_lock($1::bigint)', [appendsLock]);
    const releaseAppends = () => admin.query('SELECT pg_advisory_unlock($1::bigint)', [appendsLock]);
    const appendsWaiting = async (): Promise<number> =>
      (await admin.query<{ waiting: number }>(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0].waiting;

    it('answers 503 with Retry-After at once when MAX_PENDING_WRITES writes wait to commit, storing nothing of that request', async () => {
      const service = await startApp({ store: 'postgres', databaseUrl: database.url, maxPendingWrites: 2, storeTimeoutMs: 10_000 }, { requestTimeoutMs: 20_000 });
      const topic = 'queue-full';
      const publish = (n: number) => post(service.port, { type: 'queued', topic, payload: { n } });
      try {
        await holdAppends();
        const committing = publish(1);
        await eventually(async () => expect(await appendsWaiting()).toBe(1), 'the first append to wait for its locks');
        const waiting = [publish(2), publish(3)];
        await new Promise((resolve) => setTimeout(resolve, 300));

        const started = Date.now();
        const refused = await fetch(`${service.baseUrl}/notifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'queued', topic, payload: { n: 4 } }),
        });
        expect(Date.now() - started).toBeLessThan(1000);
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(await refused.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'store overloaded' });

        await releaseAppends();
        expect((await Promise.all([committing, ...waiting])).map(({ status }) => status)).toEqual([202, 202, 202]);
        const { body } = await http(service.baseUrl, 'GET', `/topics/${topic}/notifications`);
        expect(body.items.map((item: { payload: { n: number } }) => item.payload.n).sort()).toEqual([1, 2, 3]);
      } finally {
        await releaseAppends();
        await service.app.close();
      }
    });

    it('answers 408 and closes the connection when the answer takes longer than REQUEST_TIMEOUT_MS', async () => {
      const service = await startApp({ store: 'postgres', databaseUrl: database.url, storeTimeoutMs: 10_000 }, { requestTimeoutMs: 1000 });
      try {
        await holdAppends();
        const started = Date.now();
        const answer = await post(service.port, { type: 'slow.answer', topic: 'slow' });
        expect(Date.now() - started).toBeLessThan(2500);
        expect(answer).toEqual({ status: 408, connection: 'close', body: { statusCode: 408, error: 'Request Timeout', message: 'request not finished in time' } });
      } finally {
        await releaseAppends();
        await service.app.close();
      }
    });

    it('answers 503 without internals, REST and readiness alike, when the database cannot be reached', async () => {
      const proxy = await TcpProxy.start(database.server.host, database.server.port);
      const service = await startApp({ store: 'postgres', databaseUrl: database.urlVia('127.0.0.1', proxy.port), storeTimeoutMs: 1000 });
      try {
        await proxy.cut();
        const refused = await fetch(`${service.baseUrl}/notifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'down', topic: 'orders' }),
        });
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('1');
        const body = await refused.json();
        expect(body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'store unavailable' });
        expectNoInternals(body, proxy.port);

        const history = await http(service.baseUrl, 'GET', '/topics/orders/notifications');
        expect(history).toEqual({ status: 503, body });

        const ready = await http(service.baseUrl, 'GET', '/health/ready');
        expect(ready.status).toBe(503);
        expect(ready.body.error).toEqual({ store: { status: 'down', message: 'store unavailable', responseTime: expect.any(Number) } });
        expectNoInternals(ready.body, proxy.port);
      } finally {
        await service.app.close();
        await proxy.cut();
      }
    });
  });
});
