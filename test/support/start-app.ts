import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { createService } from '../../src/bootstrap.js';
import { createRootLogger } from '../../src/logging/logging.options.js';
import { NotificationsWsAdapter, type NotificationsModuleOptions } from '../../src/notifications/index.js';

export interface RunningApp<App extends INestApplication = NestFastifyApplication> {
  app: App;
  port: number;
  baseUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** Settings of the service itself, beside the module's options. */
export interface ServiceSettings {
  /** 0, the default: a spare one. */
  port?: number;
  requestTimeoutMs?: number;
}

/** Makes an app listen on 127.0.0.1 (a spare port unless told otherwise); answers where to reach it. */
export async function listening<App extends INestApplication>(app: App, wsPath = '/ws', port = 0): Promise<RunningApp<App>> {
  await app.listen(port, '127.0.0.1');
  const { port: actual } = app.getHttpServer().address() as AddressInfo;
  return { app, port: actual, baseUrl: `http://127.0.0.1:${actual}`, wsUrl: `ws://127.0.0.1:${actual}${wsPath}`, close: () => app.close() };
}

/** Starts the real service on a random port (memory store unless told otherwise). */
export async function startApp(options: NotificationsModuleOptions = {}, { port = 0, requestTimeoutMs }: ServiceSettings = {}): Promise<RunningApp> {
  const app = await createService({ port, logLevel: 'silent', requestTimeoutMs, notifications: { store: 'memory', ...options } });
  return listening(app, options.wsPath, port);
}

/** Starts the service (memory store unless told otherwise) with the provider of `token` replaced by `value`: a dependency that misbehaves on purpose. */
export async function startWithProvider(token: symbol, value: unknown, options: NotificationsModuleOptions = {}): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.register({ port: 0, logLevel: 'silent', notifications: { store: 'memory', ...options } }, createRootLogger('silent'))],
  })
    .overrideProvider(token)
    .useValue(value)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useWebSocketAdapter(new NotificationsWsAdapter(app));
  return listening(app, options.wsPath);
}

/** Starts one app for the enclosing `describe` (beforeAll, closed afterAll); call the answer inside its tests. */
export function appFor(options: NotificationsModuleOptions): () => RunningApp {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(options);
  });
  afterAll(() => running.close());
  return () => running;
}
