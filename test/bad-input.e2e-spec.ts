import { startApp, type RunningApp } from './support/start-app.js';
import { http } from './support/http.js';
import { TestClient } from './support/ws-client.js';

/** Bad frames get an `exception` with a code; the socket stays open and others are unaffected. */
describe('bad input over the socket', () => {
  let running: RunningApp;
  let client: TestClient;
  let bystander: TestClient;

  beforeAll(async () => {
    running = await startApp({ maxPayloadBytes: 4096 });
    bystander = await TestClient.connect(running.wsUrl);
    await bystander.request('subscribe', { topic: 'news' }, 'subscribed');
  });
  beforeEach(async () => {
    client = await TestClient.connect(running.wsUrl);
  });
  afterEach(() => client.close());
  afterAll(async () => {
    bystander.close();
    await running.close();
  });

  const expectStillServing = async (): Promise<void> => {
    expect((await client.request('ping', {}, 'pong')).event).toBe('pong');
    await http(running.baseUrl, 'POST', '/notifications', { type: 'still.up', topic: 'news' });
    expect((await bystander.next('notification')).data.type).toBe('still.up');
  };

  it.each([
    ['not JSON', '{"event":', 'frame is not valid JSON'],
    ['a JSON array', '[1,2]', 'frame is not an {event, data} object'],
    ['no event', '{"data":{}}', 'frame is not an {event, data} object'],
    ['a non-string event', '{"event":7,"data":{}}', 'frame is not an {event, data} object'],
  ])('BAD_JSON for %s, without cause', async (_, raw, message) => {
    client.sendRaw(raw);
    const error = await client.next('exception');
    expect(error.data).toEqual({ status: 'error', code: 'BAD_JSON', message });
    await expectStillServing();
  });

  it('BAD_JSON for a binary frame, even one holding a valid command', async () => {
    client.sendRaw(Buffer.from(JSON.stringify({ event: 'ping', data: {} })), true);
    expect((await client.next('exception')).data.code).toBe('BAD_JSON');
    await client.expectNone('pong');
    await expectStillServing();
  });

  it('UNKNOWN_EVENT with the command as cause', async () => {
    client.send('dance', { fast: true });
    expect((await client.next('exception')).data).toEqual({
      status: 'error',
      code: 'UNKNOWN_EVENT',
      message: 'unknown event "dance"',
      cause: { pattern: 'dance', data: { fast: true } },
    });
    await expectStillServing();
  });

  it.each([
    ['a bad topic name', 'subscribe', { topic: '-bad topic' }, ['topic']],
    ['a missing topic', 'subscribe', {}, ['topic']],
    ['a topic too long', 'subscribe', { topic: 'a'.repeat(129) }, ['topic']],
    ['an unknown field', 'subscribe', { topic: 'news', extra: 1 }, ['extra']],
    ['a non-string since', 'subscribe', { topic: 'news', since: 5 }, ['since']],
    ['unknown fields in ping', 'ping', { hello: 1 }, ['hello']],
    ['an empty token', 'auth', { token: '' }, ['token']],
    ['read with neither ids nor all', 'read', {}, ['all', 'ids']],
    ['read with both ids and all', 'read', { ids: ['x'], all: true }, ['all', 'ids']],
    ['read with all: false', 'read', { all: false }, ['all']],
    ['a key named constructor', 'subscribe', { constructor: 1 }, ['constructor', 'topic']],
    ['read with all: null', 'read', { all: null }, ['all']],
    ['read with ids: null', 'read', { ids: null }, ['ids']],
    ['since: null', 'subscribe', { topic: 'news', since: null }, ['since']],
    ['a key named hasOwnProperty', 'read', { all: true, hasOwnProperty: 1 }, ['hasOwnProperty']],
    ['keys named after the prototype', 'ping', { toString: 1, valueOf: 2, prototype: 3 }, ['prototype', 'toString', 'valueOf']],
    ['the name of an exactly-one-of rule', 'read', { all: true, 'ids|all': 1 }, ['ids|all']],
  ])('VALIDATION_FAILED for %s, naming each bad field', async (_, event, data, fields) => {
    client.send(event, data);
    const error = await client.next('exception');
    expect(error.data).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED', cause: { pattern: event, data } });
    expect(error.data.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields);
    for (const e of error.data.errors) expect(e.messages.length).toBeGreaterThan(0);
    await expectStillServing();
  });

  it.each([
    ['data that is not an object', { event: 'subscribe', data: 'news' }, { pattern: 'subscribe', data: 'news' }],
    ['data that is null', { event: 'unsubscribe', data: null }, { pattern: 'unsubscribe', data: null }],
    ['no data', { event: 'ping' }, { pattern: 'ping' }],
    ['data that is an array', { event: 'read', data: [1] }, { pattern: 'read', data: [1] }],
  ])('BAD_JSON for %s, with the command as cause', async (_, frame, cause) => {
    client.sendRaw(JSON.stringify(frame));
    expect((await client.next('exception')).data).toEqual({ status: 'error', code: 'BAD_JSON', message: 'frame data must be a JSON object', cause });
    await expectStillServing();
  });

  it.each([
    ['arrays', (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`],
    ['objects', (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
  ])('answers data of %s nested far past the stack, under the frame limit, and keeps serving', async (_, nest) => {
    const deep = await startApp({ maxPayloadBytes: 64 * 1024 });
    try {
      const socket = await TestClient.connect(deep.wsUrl);
      socket.sendRaw(`{"event":"x","data":${nest(10_000)}}`);
      expect((await socket.next('exception')).data).toEqual({ status: 'error', code: 'UNKNOWN_EVENT', message: 'unknown event "x"', cause: { pattern: 'x' } });
      socket.sendRaw(`{"event":"subscribe","data":{"topic":${nest(10_000)}}}`);
      expect((await socket.next('exception')).data).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'data' }], cause: { pattern: 'subscribe' } });
      expect((await socket.request('ping', {}, 'pong')).event).toBe('pong');
      socket.close();
    } finally {
      await deep.close();
    }
  });

  it('echoes at most 1 KiB of data and 64 characters of event in cause', async () => {
    client.send('x'.repeat(100), { small: true });
    expect((await client.next('exception')).data.cause).toEqual({ pattern: 'x'.repeat(64), data: { small: true } });
    client.send('subscribe', { topic: 'news', junk: 'y'.repeat(1100) });
    const error = await client.next('exception');
    expect(error.data).toMatchObject({ code: 'VALIDATION_FAILED', cause: { pattern: 'subscribe' } });
    expect(error.data.cause).not.toHaveProperty('data');
    await expectStillServing();
  });

  it('VALIDATION_FAILED for a __proto__ key, which never reaches a handler', async () => {
    client.sendRaw('{"event":"subscribe","data":{"topic":"news","__proto__":{"topic":"user:someone-else"}}}');
    const error = await client.next('exception');
    expect(error.data).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'data' }] });
    await client.expectNone('subscribed');
    await expectStillServing();
  });

  it('closes with 1008 after more than MAX_BAD_FRAMES exceptions within 10 s', async () => {
    for (let i = 0; i < 20; i++) client.sendRaw('nope');
    for (let i = 0; i < 20; i++) await client.next('exception');
    expect((await client.request('ping', {}, 'pong')).event).toBe('pong');
    client.sendRaw('nope');
    expect(await client.waitClose()).toBe(1008);
    await http(running.baseUrl, 'POST', '/notifications', { type: 'after.abuse', topic: 'news' });
    expect((await bystander.next('notification')).data.type).toBe('after.abuse');
  });

  it('closes with 1009 when a frame is over MAX_PAYLOAD_BYTES', async () => {
    client.send('subscribe', { topic: 'news', since: 'x'.repeat(5000) });
    expect(await client.waitClose()).toBe(1009);
    await http(running.baseUrl, 'POST', '/notifications', { type: 'after.big', topic: 'news' });
    expect((await bystander.next('notification')).data.type).toBe('after.big');
  });
});
