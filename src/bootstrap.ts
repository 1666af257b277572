import 'reflect-metadata';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { NotificationsWsAdapter } from './notifications/index.js';
import type { ServiceConfiguration } from './config/configuration.js';
import { echoRequestId, requestId } from './logging/request-id.js';
import { setUpOpenApi } from './openapi/openapi.setup.js';

/** REST bodies over this get 413 (section 6 of the contract). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Creates the service (Fastify HTTP, ws gateway on the same port), not yet listening. */
export async function createService(config: ServiceConfiguration): Promise<NestFastifyApplication> {
  // Route parameters carry user ids (123 chars) and topics (128): above Fastify's default of 100.
  const adapter = new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES, maxParamLength: 256, genReqId: requestId });
  adapter.getInstance().addHook('onRequest', echoRequestId);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    adapter,
    // Start-up lines wait for pino, which LOG_LEVEL configures, rather than going to the console.
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new NotificationsWsAdapter(app));
  await setUpOpenApi(app);
  return app;
}
