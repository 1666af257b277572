import { startApp } from '../../test/support/start-app.js';
import { hsToken } from '../../test/support/tokens.js';
import { NotificationsClient } from '../src/index.js';
import { nextEvent, record, until } from './support/client-probe.js';
import { publish } from './support/rest-publisher.js';

const JWT_SECRET = 'client-sse-token-secret-long-enough';
const running = await startApp({ store: 'memory', jwtSecret: JWT_SECRET });
afterAll(() => running.close());

describe('NotificationsClient over Server-Sent Events with a JWT', () => {
  let client: NotificationsClient;
  afterEach(() => client?.close());

  it('carries the token on the stream and its commands, and reconnects with a fresh one before it expires, missing nothing', async () => {
    const issued: string[] = [];
    const getter = async (): Promise<string> => {
      issued.push(await hsToken('ola', {}, 4, JWT_SECRET));
      return issued.at(-1)!;
    };
    client = new NotificationsClient({ url: running.wsUrl, token: getter, transport: 'sse', refreshBeforeMs: 3000 });
    const received = record(client, 'notification');
    client.connect();
    expect(await nextEvent(client, 'welcome')).toMatchObject({ userId: 'ola' });
    expect(client.transportKind).toBe('sse');
    await client.subscribe('sse-token-topic');
    const sent = [
      ...(await publish(running.baseUrl, { type: 'deploy', topic: 'sse-token-topic' })),
      ...(await publish(running.baseUrl, { type: 'ping', userIds: ['ola'] })),
    ];
    await until(() => received.length === 2, 'the first notifications');

    // Refreshed ahead of `exp`: a stream takes its new token by reconnecting, and recovers with `since`.
    const secondWelcome = nextEvent(client, 'welcome', () => true, 8000);
    sent.push(...(await publish(running.baseUrl, { type: 'deploy', topic: 'sse-token-topic' })));
    await secondWelcome;
    expect(issued.length).toBeGreaterThanOrEqual(2);
    sent.push(...(await publish(running.baseUrl, { type: 'ping', userIds: ['ola'] })));
    await until(() => received.length === sent.length, 'every notification');
    for (const topic of ['sse-token-topic', 'user:ola']) {
      expect(received.filter((n) => n.topic === topic).map((n) => n.id)).toEqual(sent.filter((s) => s.topic === topic).map((s) => s.id));
    }
    expect(received).toHaveLength(sent.length);
    expect(await client.read('all')).toBe(0);
  });
});
