import type { AddressInfo } from 'node:net';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { createRootLogger } from '../../src/logging/logging.options.js';
import { LocalBroker } from '../../src/notifications/broker/local.broker.js';
import type { HubEvent } from '../../src/notifications/broker/notification-broker.js';
import { NOTIFICATION_BROKER, NotificationsWsAdapter, type NotificationsModuleOptions } from '../../src/notifications/index.js';
import type { RunningApp } from './start-app.js';

/** The in-process broker, delivering `lagMs` after the commit as a broker between instances does. */
class LaggingBroker extends LocalBroker {
  constructor(private readonly lagMs: number) {
    super();
  }

  override async publish(events: HubEvent[]): Promise<void> {
    // Equal delays fire in the order they were set: the broker's ordering holds.
    setTimeout(() => void super.publish(events).catch(() => undefined), this.lagMs);
  }
}

/** Starts the service (memory store) with a broker that delivers `lagMs` after each commit. */
export async function startWithLaggingBroker(options: NotificationsModuleOptions, lagMs = 5): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.register({ port: 0, logLevel: 'silent', notifications: { store: 'memory', ...options } }, createRootLogger('silent'))],
  })
    .overrideProvider(NOTIFICATION_BROKER)
    .useValue(new LaggingBroker(lagMs))
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useWebSocketAdapter(new NotificationsWsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, port, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, close: () => app.close() };
}
