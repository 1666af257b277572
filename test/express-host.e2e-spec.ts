import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NotificationsService, NotificationsWsAdapter } from '../src/notifications/index.js';
import { BareHostModule } from './host-app/bare-host.module.js';
import { http } from './support/http.js';
import { listening } from './support/start-app.js';
import { TestClient } from './support/ws-client.js';

const auth = { authorization: 'Bearer express-api-key-0123456789' };

/** The module in a host on @nestjs/platform-express, Nest's default platform (the packed-package test does it from the tarball). */
describe('NotificationsModule inside an Express host app', () => {
  let app: INestApplication;
  let baseUrl: string;
  let wsUrl: string;

  beforeAll(async () => {
    app = await NestFactory.create(BareHostModule.with({ store: 'memory', apiKey: 'express-api-key-0123456789' }), { logger: false });
    app.useWebSocketAdapter(new NotificationsWsAdapter(app));
    ({ baseUrl, wsUrl } = await listening(app));
  });
  afterAll(() => app.close());

  it('delivers a push from NotificationsService to the user\'s socket', async () => {
    const client = await TestClient.connect(`${wsUrl}?user=erin`);
    const [accepted] = await app.get(NotificationsService).notifyUsers(['erin'], { type: 'order.shipped', payload: { orderId: 'E-1' } });
    expect((await client.next('notification')).data).toMatchObject({ id: accepted.id, topic: 'user:erin', payload: { orderId: 'E-1' } });
    client.close();
  });

  it('answers POST /notifications: 202, 401 without the key, 400 with field errors', async () => {
    const accepted = await http(baseUrl, 'POST', '/notifications', { type: 't', userIds: ['erin'] }, auth);
    expect(accepted).toEqual({ status: 202, body: { notifications: [{ id: expect.any(String), topic: 'user:erin' }] } });
    expect((await http(baseUrl, 'POST', '/notifications', { type: 't', topic: 'x' })).status).toBe(401);
    const invalid = await http(baseUrl, 'POST', '/notifications', { type: 'bad type!', topic: 'x', surprise: 1 }, auth);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['surprise', 'type']);
  });

  it('answers 413 to a body over 64 KiB that Express\'s own 100 KB limit lets through', async () => {
    const body = { type: 't', topic: 'x', payload: { blob: 'x'.repeat(70 * 1024) } };
    expect((await http(baseUrl, 'POST', '/notifications', body, auth)).status).toBe(413);
  });

  it('answers the inbox and history routes', async () => {
    await app.get(NotificationsService).notifyUsers(['finn'], { type: 'a' });
    const page = await http(baseUrl, 'GET', '/users/finn/notifications', undefined, auth);
    expect(page).toEqual({ status: 200, body: { items: [expect.objectContaining({ type: 'a', seen: false, read: false, archived: false })], unreadCount: 1, unseenCount: 1, nextCursor: null } });
    expect((await http(baseUrl, 'POST', '/users/finn/notifications/read', { all: true }, auth)).body).toEqual({ updated: 1, unreadCount: 0 });
    expect((await http(baseUrl, 'GET', '/topics/user:finn/notifications', undefined, auth)).body.items).toHaveLength(1);
    expect((await http(baseUrl, 'GET', '/users/finn/notifications?limit=0', undefined, auth)).status).toBe(400);
  });
});
