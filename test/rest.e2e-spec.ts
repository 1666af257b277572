import { startApp, type RunningApp } from './support/start-app.js';
import { http } from './support/http.js';
import { TestClient } from './support/ws-client.js';

const API_KEY = 'rest-test-api-key-0123456789';

describe('REST publish and topic history', () => {
  let running: RunningApp;
  const auth = { authorization: `Bearer ${API_KEY}` };
  const post = (body: unknown, headers: Record<string, string> = auth) =>
    http(running.baseUrl, 'POST', '/notifications', body, headers);

  beforeAll(async () => {
    running = await startApp({ apiKey: API_KEY });
  });
  afterAll(() => running.close());

  it('answers 401 without the API key or with a wrong one', async () => {
    expect((await post({ type: 't', topic: 'x' }, {})).status).toBe(401);
    expect((await post({ type: 't', topic: 'x' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await http(running.baseUrl, 'GET', '/topics/x/notifications')).status).toBe(401);
  });

  it('publishes to users, a topic and everyone with 202 and the ids', async () => {
    const users = await post({ type: 'greeting', userIds: ['u1', 'u2'], payload: { hi: true } });
    expect(users.status).toBe(202);
    expect(users.body.notifications).toEqual([
      { id: expect.any(String), topic: 'user:u1' },
      { id: expect.any(String), topic: 'user:u2' },
    ]);
    const topic = await post({ type: 'order.shipped', topic: 'orders' });
    expect(topic.body.notifications).toEqual([{ id: expect.any(String), topic: 'orders' }]);
    const everyone = await post({ type: 'maintenance', broadcast: true });
    expect(everyone.body.notifications).toEqual([{ id: expect.any(String), topic: 'broadcast' }]);
  });

  it('echoes a usable x-request-id and makes one up otherwise, with request logging off', async () => {
    const publish = (requestId?: string) =>
      fetch(`${running.baseUrl}/notifications`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
        body: JSON.stringify({ type: 't', topic: 'request-ids' }),
      });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

    expect((await publish('caller-id-1')).headers.get('x-request-id')).toBe('caller-id-1');
    expect((await publish()).headers.get('x-request-id')).toMatch(uuid);
    expect((await publish('has space')).headers.get('x-request-id')).toMatch(uuid);
  });

  it.each([
    ['no target', { type: 't' }, ['broadcast', 'topic', 'userIds']],
    ['two targets', { type: 't', topic: 'a', broadcast: true }, ['broadcast', 'topic', 'userIds']],
    ['broadcast: null', { type: 't', broadcast: null }, ['broadcast']],
    ['payload: null', { type: 't', topic: 'a', payload: null }, ['payload']],
    ['idempotencyKey: null', { type: 't', topic: 'a', idempotencyKey: null }, ['idempotencyKey']],
    ['only a key named constructor', { constructor: 1 }, ['broadcast', 'constructor', 'topic', 'type', 'userIds']],
    ['a key named hasOwnProperty', { type: 't', topic: 'news', hasOwnProperty: 1 }, ['hasOwnProperty']],
    ['a key named prototype', { type: 't', topic: 'news', prototype: {} }, ['prototype']],
    ['a payload nested 65 deep', { type: 't', topic: 'a', payload: JSON.parse(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`) }, ['body']],
    ['a bad type', { type: 'has space', topic: 'a' }, ['type']],
    ['no type', { topic: 'a' }, ['type']],
    ['an unknown field', { type: 't', topic: 'a', color: 'red' }, ['color']],
    ['a user: topic', { type: 't', topic: 'user:bob' }, ['topic']],
    ['the broadcast topic', { type: 't', topic: 'broadcast' }, ['topic']],
    ['broadcast: false', { type: 't', broadcast: false }, ['broadcast']],
    ['empty userIds', { type: 't', userIds: [] }, ['userIds']],
    ['duplicate userIds', { type: 't', userIds: ['a', 'a'] }, ['userIds']],
    ['too many userIds', { type: 't', userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, ['userIds']],
    ['a payload that is not an object', { type: 't', topic: 'a', payload: [1] }, ['payload']],
    ['an empty idempotencyKey', { type: 't', topic: 'a', idempotencyKey: '' }, ['idempotencyKey']],
  ])('answers 400 with field errors for %s', async (_, body, fields) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields);
  });

  it('accepts a payload nested 64 deep', async () => {
    const payload = JSON.parse(`${'{"a":'.repeat(64)}1${'}'.repeat(64)}`);
    expect((await post({ type: 't', topic: 'deep', payload })).status).toBe(202);
  });

  it('answers 400 to malformed JSON and 413 to a body over 64 KiB', async () => {
    expect((await post('{"type":', { ...auth })).status).toBe(400);
    const big = { type: 't', topic: 'a', payload: { blob: 'x'.repeat(70 * 1024) } };
    expect((await post(big)).status).toBe(413);
  });

  it('a repeated idempotencyKey returns the first answer and delivers once, even when the repeats race', async () => {
    const client = await TestClient.connect(running.wsUrl);
    await client.request('subscribe', { topic: 'idem' }, 'subscribed');
    const body = { type: 't', topic: 'idem', idempotencyKey: 'k-1' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    await client.next('notification');
    await client.expectNone('notification');
    expect((await post({ ...body, payload: { other: 1 } })).status).toBe(409);
    client.close();
  });

  it('topic history: latest `limit` in id order, or after `since`', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post({ type: 't', topic: 'hist', payload: { i } })).body.notifications[0].id);
    const latest = await http(running.baseUrl, 'GET', '/topics/hist/notifications?limit=3', undefined, auth);
    expect(latest.status).toBe(200);
    expect(latest.body.items.map((n: { id: string }) => n.id)).toEqual(ids.slice(2));
    expect(latest.body.recovered).toBe(true);
    const since = await http(running.baseUrl, 'GET', `/topics/hist/notifications?since=${ids[1]}`, undefined, auth);
    expect(since.body).toEqual({ items: expect.any(Array), recovered: true });
    expect(since.body.items.map((n: { payload: { i: number } }) => n.payload.i)).toEqual([2, 3, 4]);
    const unknown = await http(running.baseUrl, 'GET', '/topics/hist/notifications?since=zzzz-1', undefined, auth);
    expect(unknown.body.recovered).toBe(false);
    const empty = await http(running.baseUrl, 'GET', '/topics/never-used/notifications', undefined, auth);
    expect(empty).toEqual({ status: 200, body: { items: [], recovered: true } });
  });

  it('topic history refuses a bad topic or limit with 400', async () => {
    expect((await http(running.baseUrl, 'GET', '/topics/-bad/notifications', undefined, auth)).status).toBe(400);
    for (const limit of ['0', '1001', 'abc']) {
      const answer = await http(running.baseUrl, 'GET', `/topics/ok/notifications?limit=${limit}`, undefined, auth);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].field).toBe('limit');
    }
  });
});
