import { randomUUID } from 'node:crypto';
import { freePort, runService, waitForPort } from './support/built-service.js';
import { http } from './support/http.js';
import { hsToken, JWT_SECRET } from './support/tokens.js';
import { TestClient } from './support/ws-client.js';

const API_KEY = `logs-test-api-key-${randomUUID()}`;
const MARKER = `payload-marker-${randomUUID()}`;

/**
 * The built service's stdout at LOG_LEVEL=trace: structured JSON lines, a request id on HTTP,
 * a connection id on socket events, and no credential or payload in any line.
 */
describe('logs', () => {
  let lines: Array<Record<string, any>> = [];
  let output = '';
  let token = '';
  let connectionId = '';

  beforeAll(async () => {
    token = await hsToken('alice', { topics: ['private:team-7'] }, 3600);
    const port = await freePort();
    const service = runService({ PORT: String(port), STORE: 'memory', LOG_LEVEL: 'trace', API_KEY, JWT_SECRET });
    try {
      await waitForPort(port);
      const baseUrl = `http://127.0.0.1:${port}`;
      const key = { authorization: `Bearer ${API_KEY}` };
      const client = await TestClient.open(`ws://127.0.0.1:${port}/ws?access_token=${token}`);
      connectionId = (await client.next('welcome')).data.connectionId;
      await client.request('subscribe', { topic: 'private:team-7' }, 'subscribed');
      const published = await http(baseUrl, 'POST', '/notifications', { type: 'secret.plan', topic: 'private:team-7', payload: { plan: MARKER } }, {
        ...key,
        'x-request-id': 'logs-test-publish',
      });
      expect(published.status).toBe(202);
      expect((await client.next('notification')).data.payload.plan).toBe(MARKER);
      await http(baseUrl, 'POST', '/notifications', { type: 'secret.plan', userIds: ['alice'], payload: { plan: MARKER } }, key);
      await client.next('notification');
      // Credentials where they do not belong: a token in a REST query, in a refused key, in a bad frame.
      expect((await http(baseUrl, 'GET', `/topics/private:team-7/notifications?access_token=${token}`, undefined, key)).status).toBe(400);
      expect((await http(baseUrl, 'POST', '/notifications', { type: 't', broadcast: true }, { authorization: `Bearer ${token}` })).status).toBe(401);
      expect((await client.request('auth', { token }, 'authenticated')).data.userId).toBe('alice');
      await client.request('auth', { token: `${token}x` }, 'exception');
      await client.request('shout', { token, plan: MARKER }, 'exception');
      client.close();
      await client.waitClose();
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    output = service.output();
    lines = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
  });

  it('writes one JSON object per line, with a level, a time and a message', () => {
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expect(line).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) }));
  });

  it('logs every HTTP request once with its id, honouring x-request-id', () => {
    const incoming = lines.filter((line) => line.msg === 'incoming request');
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.length).toBeGreaterThanOrEqual(4);
    expect(new Set(completed.map((line) => line.reqId)).size).toBe(completed.length);
    expect(incoming.find((line) => line.reqId === 'logs-test-publish')).toEqual(
      expect.objectContaining({ req: expect.objectContaining({ method: 'POST', url: '/notifications' }) }),
    );
    expect(completed.find((line) => line.reqId === 'logs-test-publish')).toEqual(
      expect.objectContaining({ res: { statusCode: 202 }, responseTime: expect.any(Number) }),
    );
  });

  it('logs socket events with the connection id', () => {
    const events = lines.filter((line) => line.connectionId === connectionId).map((line) => line.msg);
    expect(events).toEqual(expect.arrayContaining(['connection opened', 'exception sent', 'connection closed']));
  });

  it('never logs a token, the API key or a payload', () => {
    expect(output).toContain('[Redacted]');
    for (const secret of [token, token.split('.')[1], token.split('.')[2], API_KEY, MARKER]) {
      expect(output.includes(secret)).toBe(false);
    }
  });
});
