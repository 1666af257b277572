import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { firstValueFrom, take, toArray } from 'rxjs';
import { NotificationsService } from '../src/notifications/index.js';
import { HostErrorFilter, HostModule, HostThrottleGuard } from './host-app/host.module.js';
import { http } from './support/http.js';
import { listening } from './support/start-app.js';
import { TestClient } from './support/ws-client.js';

/** A host Nest app importing NotificationsModule.forRootAsync next to its own code. */
describe('NotificationsModule inside a host app', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;
  let wsUrl: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(HostModule, new FastifyAdapter(), { logger: false });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true }));
    app.useGlobalFilters(new HostErrorFilter());
    app.useGlobalGuards(new HostThrottleGuard());
    app.useWebSocketAdapter(new WsAdapter(app));
    ({ baseUrl, wsUrl } = await listening(app));
  });
  afterAll(() => app.close());

  it('a push from the host code reaches the user\'s socket, and the Observable sees it', async () => {
    const client = await TestClient.connect(`${wsUrl}?user=olga`);
    const seen = firstValueFrom(app.get(NotificationsService).notifications$.pipe(take(1), toArray()));
    const answer = await http(baseUrl, 'POST', '/orders/ship', { userId: 'olga' });
    expect(answer.status).toBe(201);
    const notification = await client.next('notification');
    expect(notification.data).toMatchObject({ id: answer.body.ids[0], topic: 'user:olga', type: 'order.shipped', payload: { by: 'host' } });
    expect((await seen)[0].id).toBe(answer.body.ids[0]);
    client.close();
  });

  it('publish and broadcast from the service reach subscribers', async () => {
    const client = await TestClient.connect(wsUrl);
    await client.request('subscribe', { topic: 'host-topic' }, 'subscribed');
    const service = app.get(NotificationsService);
    await service.publish('host-topic', { type: 'a', payload: {} });
    expect((await client.next('notification')).data.topic).toBe('host-topic');
    await service.broadcast({ type: 'b' });
    expect((await client.next('notification')).data).toMatchObject({ topic: 'broadcast', payload: {} });
    client.close();
  });

  it('the host\'s global pipe and filter behave as before on its own routes', async () => {
    const invalid = await http(baseUrl, 'POST', '/orders/ship', { userId: 42 });
    expect(invalid).toEqual({ status: 400, body: { host: 'filtered', status: 400 } });
    expect((await http(baseUrl, 'GET', '/orders/echo')).body).toEqual({ ok: true });
  });

  it('the module\'s REST API keeps its own API key guard inside the host', async () => {
    const denied = await http(baseUrl, 'POST', '/notifications', { type: 't', topic: 'x' });
    expect(denied.status).toBe(401);
    const allowed = await http(baseUrl, 'POST', '/notifications', { type: 't', topic: 'x' }, { authorization: 'Bearer host-api-key-0123456789' });
    expect(allowed.status).toBe(202);
  });

  it('a host guard that throttles a command answers RATE_LIMITED with the command as cause', async () => {
    const client = await TestClient.connect(wsUrl);
    const error = await client.request('subscribe', { topic: 'throttled' }, 'exception');
    expect(error.data).toMatchObject({ status: 'error', code: 'RATE_LIMITED', cause: { pattern: 'subscribe', data: { topic: 'throttled' } } });
    expect((await client.request('subscribe', { topic: 'calm' }, 'subscribed')).data.topic).toBe('calm');
    client.close();
  });

  it('the gateway keeps its own exception frames, untouched by the host filter', async () => {
    const client = await TestClient.connect(wsUrl);
    expect((await client.request('subscribe', { topic: '' }, 'exception')).data.code).toBe('VALIDATION_FAILED');
    client.close();
  });
});
