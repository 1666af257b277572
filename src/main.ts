#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigurationError, loadConfiguration } from './config/configuration.js';
import { createService } from './bootstrap.js';

/**
 * Connections the kernel queues until the service accepts them (Node's default is 511, capped by
 * net.core.somaxconn): past it SYNs are dropped and TCP retries them only 1, 3, 7 s later, which
 * is where a deploy's reconnect storm would otherwise wait.
 */
const LISTEN_BACKLOG = 4096;

async function main(): Promise<void> {
  const config = loadConfiguration(process.env);
  const app = await createService(config);
  await app.listen({ port: config.port, host: '0.0.0.0', backlog: LISTEN_BACKLOG });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Not listening from here on: a client reconnecting is refused at once, not queued for a process about to exit.
    app.getHttpServer().close();
    // app.close() runs the shutdown hooks: sockets closed with 1001, a handshake already under way refused (503).
    await app.close();
    process.exit(0);
  };
  const stopOrFail = (): void => {
    stop().catch((error: unknown) => {
      process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', stopOrFail);
  process.once('SIGINT', stopOrFail);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigurationError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
