import 'reflect-metadata';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { NotificationsWsAdapter } from './notifications/index.js';
import type { ServiceConfiguration } from './config/configuration.js';
import { createRootLogger, isQuietRequest } from './logging/logging.options.js';
import { echoRequestId, requestId } from './logging/request-id.js';
import { setUpOpenApi } from './openapi/openapi.setup.js';

/** REST bodies over this get 413 (section 6 of the contract). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Creates the service (Fastify HTTP, ws gateway on the same port), not yet listening. */
export async function createService(config: ServiceConfiguration): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // Route parameters carry user ids (123 chars) and topics (128): above Fastify's default of 100.
    routerOptions: { maxParamLength: 256 },
    genReqId: requestId,
    // Request lines are at info: above that level Fastify gets no logger, so no request pays for
    // a child logger and response listeners whose lines would never be written.
    ...(logger.isLevelEnabled('info')
      ? { loggerInstance: logger, logController: new LogController({ disableRequestLogging: isQuietRequest }) }
      : {}),
  });
  adapter.getInstance().addHook('onRequest', echoRequestId);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, logger),
    adapter,
    // Start-up lines wait for pino, which LOG_LEVEL configures, rather than going to the console.
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new NotificationsWsAdapter(app));
  await setUpOpenApi(app);
  return app;
}
