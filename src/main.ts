#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigurationError, loadConfiguration } from './config/configuration.js';
import { createService } from './bootstrap.js';

async function main(): Promise<void> {
  const config = loadConfiguration(process.env);
  const app = await createService(config);
  await app.listen(config.port, '0.0.0.0');
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // app.close() runs the shutdown hooks: new handshakes refused, sockets closed with 1001.
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigurationError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
