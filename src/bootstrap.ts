import 'reflect-metadata';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { NestFactory } from '@nestjs/core';
import type { LogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';
import type { ServiceConfiguration } from './config/configuration.js';

/** REST bodies over this get 413 (section 6 of the contract). */
export const MAX_BODY_BYTES = 64 * 1024;

const NEST_LOG_LEVELS: Record<string, LogLevel[] | false> = {
  trace: ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'],
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  fatal: ['fatal'],
  silent: false,
};

/** Creates the service (Fastify HTTP, ws gateway on the same port), not yet listening. */
export async function createService(config: ServiceConfiguration): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES }),
    { logger: NEST_LOG_LEVELS[config.logLevel] ?? NEST_LOG_LEVELS.info, abortOnError: false },
  );
  app.useWebSocketAdapter(new WsAdapter(app));
  return app;
}
