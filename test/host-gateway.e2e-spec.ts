import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessageBody, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import { from } from 'rxjs';
import { WebSocket } from 'ws';
import { NotificationsModule, NotificationsWsAdapter } from '../src/notifications/index.js';
import { until } from './support/eventually.js';
import { listening, type RunningApp } from './support/start-app.js';
import { TestClient } from './support/ws-client.js';

interface HostFrame {
  event: string;
  data: unknown;
}

/** A host app's own gateway, on its own path beside the notifications gateway. */
@WebSocketGateway({ path: '/host' })
class EchoGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): HostFrame {
    return { event: 'echoed', data };
  }

  @SubscribeMessage('later')
  async later(@MessageBody() data: unknown): Promise<HostFrame> {
    await new Promise((resolve) => setImmediate(resolve));
    return { event: 'later', data };
  }

  @SubscribeMessage('count')
  count(): ReturnType<typeof from<HostFrame[]>> {
    return from([1, 2, 3].map((n) => ({ event: 'counted', data: n })));
  }

  @SubscribeMessage('quiet')
  quiet(): void {}

  @SubscribeMessage('fail')
  fail(): never {
    throw new WsException('refused by the host');
  }
}

@Module({ imports: [NotificationsModule.forRoot({ store: 'memory' })], providers: [EchoGateway] })
class GatewayHostModule {}

/** Opens the host gateway's socket; `frames` collects every frame it is sent. */
async function openHost(wsUrl: string): Promise<{ socket: WebSocket; frames: HostFrame[] }> {
  const socket = new WebSocket(wsUrl.replace(/\/ws$/, '/host'));
  const frames: HostFrame[] = [];
  socket.on('message', (raw: Buffer) => frames.push(JSON.parse(raw.toString()) as HostFrame));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, frames };
}

describe('a host app\'s own gateway on NotificationsWsAdapter', () => {
  let running: RunningApp;

  beforeAll(async () => {
    const app = await NestFactory.create<NestFastifyApplication>(GatewayHostModule, new FastifyAdapter(), { logger: false });
    app.useWebSocketAdapter(new NotificationsWsAdapter(app));
    running = await listening(app);
  });
  afterAll(() => running.close());

  it('sends what its handlers return: a value, a promise\'s value, each value of an Observable, nothing for undefined', async () => {
    const { socket, frames } = await openHost(running.wsUrl);
    socket.send(JSON.stringify({ event: 'quiet', data: {} }));
    socket.send(JSON.stringify({ event: 'echo', data: { n: 1 } }));
    socket.send(JSON.stringify({ event: 'later', data: 'soon' }));
    socket.send(JSON.stringify({ event: 'count', data: null }));
    await until(() => frames.length === 5, 'five answers');
    expect(frames).toEqual([
      { event: 'echoed', data: { n: 1 } },
      { event: 'counted', data: 1 },
      { event: 'counted', data: 2 },
      { event: 'counted', data: 3 },
      { event: 'later', data: 'soon' },
    ]);
    socket.close();
  });

  it('answers a handler\'s WsException through Nest\'s filter and goes on serving the socket', async () => {
    const { socket, frames } = await openHost(running.wsUrl);
    socket.send(JSON.stringify({ event: 'fail', data: {} }));
    socket.send(JSON.stringify({ event: 'not-a-handler', data: {} }));
    socket.send('not json');
    socket.send(JSON.stringify({ event: 'echo', data: 'still here' }));
    await until(() => frames.length === 2, 'two answers');
    expect(frames).toEqual([
      { event: 'exception', data: { status: 'error', message: 'refused by the host', cause: { pattern: 'fail', data: {} } } },
      { event: 'echoed', data: 'still here' },
    ]);
    socket.close();
  });

  it('leaves the notifications gateway\'s sockets to it', async () => {
    const client = await TestClient.connect(running.wsUrl);
    expect((await client.request('subscribe', { topic: 'beside-the-host' }, 'subscribed')).data.topic).toBe('beside-the-host');
    client.close();
  });
});
