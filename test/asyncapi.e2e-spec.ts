import { MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import { NotificationsGateway } from '../src/notifications/gateway/notifications.gateway.js';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../src/notifications/protocol/events.js';
import { EXCEPTION_CODES } from '../src/notifications/protocol/exceptions.js';
import { http } from './support/http.js';
import { DocumentSchemas } from './support/document-schemas.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { hsToken, JWT_SECRET } from './support/tokens.js';
import { type Frame, TestClient } from './support/ws-client.js';

/** Events with a @SubscribeMessage handler on the gateway. */
function eventsHandledByGateway(): Set<string> {
  const prototype = NotificationsGateway.prototype as unknown as Record<string, unknown>;
  return new Set(
    Object.getOwnPropertyNames(prototype)
      .map((name) => (typeof prototype[name] === 'function' ? Reflect.getMetadata(MESSAGE_METADATA, prototype[name] as object) : undefined))
      .filter((event): event is string => typeof event === 'string'),
  );
}

/** The AsyncAPI 3 document at GET /asyncapi.json against the gateway's code and its real frames. */
describe('AsyncAPI', () => {
  let running: RunningApp;
  let document: any;
  /** Operation actions each message appears in: `receive` for commands, `send` for server frames and replies. */
  const actionsOf = (event: string): string[] =>
    Object.values<any>(document.operations).flatMap((operation) => {
      const names = (messages: Array<{ $ref: string }> = []) => messages.map(({ $ref }) => $ref.split('/').pop());
      return [...(names(operation.messages).includes(event) ? [operation.action] : []), ...(names(operation.reply?.messages).includes(event) ? ['send'] : [])];
    });
  /** Where a frame breaks the schema its event's message declares. */
  let schemas: DocumentSchemas;
  const frameErrors = (frame: Frame): string[] => {
    if (!document.components.messages[frame.event]) return [`no message "${frame.event}" in the document`];
    return schemas.errors(frame, 'components', 'messages', frame.event, 'payload');
  };

  beforeAll(async () => {
    running = await startApp({ jwtSecret: JWT_SECRET });
    const response = await http(running.baseUrl, 'GET', '/asyncapi.json');
    expect(response.status).toBe(200);
    document = response.body;
    schemas = new DocumentSchemas(document);
  });
  afterAll(() => running.close());

  it('is an AsyncAPI 3 document whose references all resolve', () => {
    expect(document.asyncapi).toBe('3.0.0');
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const path = ref.split('/');
      expect({ ref, found: path.reduce((node: any, key) => node?.[key], document) !== undefined }).toEqual({ ref, found: true });
    }
  });

  it('describes every event the gateway handles as a command the service receives', () => {
    const handled = eventsHandledByGateway();
    expect([...handled].sort()).toEqual([...CLIENT_EVENTS].sort());
    for (const event of CLIENT_EVENTS) {
      // `inbox` names both the command and its reply.
      const actions = (SERVER_EVENTS as ReadonlySet<string>).has(event) ? ['receive', 'send'] : ['receive'];
      expect({ event, actions: actionsOf(event) }).toEqual({ event, actions });
    }
  });

  it('describes every event the service sends as a frame it sends', () => {
    for (const event of SERVER_EVENTS) {
      expect({ event, sent: actionsOf(event).includes('send') }).toEqual({ event, sent: true });
    }
  });

  it('lists exactly the exception codes of the protocol', () => {
    expect(document.components.schemas.ExceptionData.properties.code.enum.sort()).toEqual([...EXCEPTION_CODES].sort());
  });

  it('is checked with every keyword it uses: minLength, maxItems, minimum and format fail a value', () => {
    const at = (name: string) => ['components', 'schemas', name];
    expect(schemas.errors({ token: '' }, ...at('AuthData'))).not.toEqual([]);
    expect(schemas.errors({ ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`) }, ...at('ReadData'))).not.toEqual([]);
    expect(schemas.errors({ count: -1 }, ...at('UnreadData'))).not.toEqual([]);
    expect(schemas.errors({ all: true }, ...at('MarkData'))).not.toEqual([]);
    expect(schemas.errors({ all: true, read: true }, ...at('MarkData'))).toEqual([]);
    expect(schemas.errors({ types: Array.from({ length: 21 }, () => 'a') }, ...at('InboxQueryData'))).not.toEqual([]);
    expect(schemas.errors({ time: 'yesterday' }, ...at('PongData'))).not.toEqual([]);
    expect(schemas.errors({ time: '2026-12-04T19:00:00.000Z' }, ...at('PongData'))).toEqual([]);
  });

  it('gives examples that fit their own schemas', () => {
    for (const [event, message] of Object.entries<any>(document.components.messages)) {
      for (const example of message.examples) {
        expect({ event, errors: schemas.errors(example.payload, 'components', 'messages', event, 'payload') }).toEqual({ event, errors: [] });
      }
    }
  });

  it('describes the frames the service really sends', async () => {
    const token = await hsToken('alice', {}, 3600);
    const client = await TestClient.open(`${running.wsUrl}?access_token=${token}`);
    const frames: Frame[] = [await client.next('welcome'), await client.next('unread'), await client.next('counts')];
    await http(running.baseUrl, 'POST', '/notifications', { type: 'order.shipped', topic: 'orders', payload: { n: 1 } });
    const since = (await http(running.baseUrl, 'GET', '/topics/orders/notifications')).body.items[0].id;
    await http(running.baseUrl, 'POST', '/notifications', { type: 'order.shipped', topic: 'orders', payload: { n: 2 } });
    frames.push(await client.request('subscribe', { topic: 'orders', since }, 'subscribed'), await client.next('notification'));
    frames.push(await client.request('unsubscribe', { topic: 'orders' }, 'unsubscribed'));
    await http(running.baseUrl, 'POST', '/notifications', { type: 'order.shipped', userIds: ['alice'], payload: { n: 3 } });
    frames.push(await client.next('notification'), await client.next('unread'), await client.next('counts'));
    frames.push(await client.request('read', { all: true }, 'unread'));
    frames.push(await client.request('mark', { all: true, archived: true }, 'counts'));
    frames.push(await client.request('inbox', { archived: true, types: ['order.shipped'] }, 'inbox'));
    frames.push(await client.request('auth', { token: await hsToken('alice') }, 'authenticated'));
    frames.push(await client.request('ping', {}, 'pong'));
    frames.push(await client.request('subscribe', { topic: '', surprise: true }, 'exception'));
    frames.push(await client.request('auth', { token: 'not-a-jwt' }, 'exception'));
    client.sendRaw('not json');
    frames.push(await client.next('exception'));
    client.close();
    expect(new Set(frames.map((frame) => frame.event))).toEqual(
      new Set(['welcome', 'unread', 'counts', 'subscribed', 'notification', 'unsubscribed', 'inbox', 'authenticated', 'pong', 'exception']),
    );
    for (const frame of frames) expect({ event: frame.event, errors: frameErrors(frame) }).toEqual({ event: frame.event, errors: [] });
  });
});
