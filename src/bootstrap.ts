import 'reflect-metadata';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { LogController } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { NotificationsWsAdapter } from './notifications/index.js';
import { MAX_BODY_BYTES } from './notifications/http/body-limit.middleware.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type ServiceConfiguration } from './config/configuration.js';
import { requestDeadline } from './http/request-deadline.hook.js';
import { createRootLogger, isQuietRequest } from './logging/logging.options.js';
import { echoRequestId, requestId } from './logging/request-id.js';
import { setUpOpenApi } from './openapi/openapi.setup.js';

/** Node looks for requests past their requestTimeout at most this far apart (30 s by default). */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1000;

/** Creates the service (Fastify HTTP, ws gateway on the same port), not yet listening. */
export async function createService(config: ServiceConfiguration): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config.logLevel);
  const requestTimeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // A request whose headers or body are not in by then gets Node's 408, and its connection closed.
    requestTimeout: requestTimeoutMs,
    http: { connectionsCheckingInterval: Math.min(requestTimeoutMs, MAX_TIMEOUT_CHECK_INTERVAL_MS) },
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
  // One not answered by then gets 408 as well, whatever its handler waits for.
  adapter.getInstance().addHook('onRequest', requestDeadline(requestTimeoutMs));
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, logger),
    adapter,
    // Start-up lines wait for pino, which LOG_LEVEL configures, rather than going to the console;
    // a start-up that fails drops them, and main writes its error as one line.
    { bufferLogs: true, abortOnError: false, autoFlushLogs: false },
  );
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.useWebSocketAdapter(new NotificationsWsAdapter(app));
  await setUpOpenApi(app);
  return app;
}
