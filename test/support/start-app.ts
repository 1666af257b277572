import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService } from '../../src/bootstrap.js';
import type { NotificationsModuleOptions } from '../../src/notifications/index.js';

export interface RunningApp {
  app: NestFastifyApplication;
  port: number;
  baseUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** Starts the real service on a random port (memory store unless told otherwise). */
export async function startApp(options: NotificationsModuleOptions = {}, port = 0): Promise<RunningApp> {
  const app = await createService({ port, logLevel: 'silent', notifications: { store: 'memory', ...options } });
  await app.listen(port, '127.0.0.1');
  const { port: actual } = app.getHttpServer().address() as AddressInfo;
  const wsPath = options.wsPath ?? '/ws';
  return {
    app,
    port: actual,
    baseUrl: `http://127.0.0.1:${actual}`,
    wsUrl: `ws://127.0.0.1:${actual}${wsPath}`,
    close: () => app.close(),
  };
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
