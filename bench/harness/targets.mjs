import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
// BENCH_SERVICE_ENTRY: another build's entry, to run it against the same baselines (an A/B of two builds).
const SERVICE_ENTRY = process.env.BENCH_SERVICE_ENTRY ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));
// Settings that would turn on auth or external services: the bench runs the service in dev mode.
const CLEARED = ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'API_KEY', 'NODE_ENV', 'BROKER', 'REDIS_URL', 'DATABASE_URL', 'ALLOWED_ORIGINS'];

/** The heartbeat every server runs with, as the service's default. */
export const HEARTBEAT_MS = 30000;
/** Unsent bytes after which the service and the preframed baseline close a socket (4008). */
const MAX_BUFFERED_BYTES = String(1024 * 1024);

function environment(extra) {
  const env = { ...process.env, ...extra };
  for (const key of CLEARED) delete env[key];
  return env;
}

/**
 * How to start a server under test by name: `service` (dist/main.js), the `ws` baselines
 * `naive` and `preframed`, the ingest baseline `http-sqlite`, the framework reference `nest-fastify`
 * and the scale-out baseline `pg-redis` (its database and channel come from the scenario, see server-cluster.mjs).
 * @param {string} name
 * @param {{sqlitePath: string|null}} storage where SQLite-backed servers keep their file, or null for memory
 * @returns {{name: string, script: string, env: NodeJS.ProcessEnv}}
 */
export function serverTarget(name, { sqlitePath }) {
  switch (name) {
    case 'service':
      if (!existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} not found: run \`npm run build\` first`);
      return {
        name,
        script: SERVICE_ENTRY,
        env: environment({
          STORE: sqlitePath ? 'sqlite' : 'memory',
          ...(sqlitePath ? { SQLITE_PATH: sqlitePath } : {}),
          HEARTBEAT_MS: String(HEARTBEAT_MS),
          MAX_BUFFERED_BYTES,
          LOG_LEVEL: 'warn',
        }),
      };
    case 'naive':
    case 'preframed':
      return {
        name,
        script: `${BENCH}baselines/${name}-server.mjs`,
        env: environment({ HEARTBEAT_MS: String(HEARTBEAT_MS), MAX_BUFFERED_BYTES }),
      };
    case 'http-sqlite':
      return { name, script: `${BENCH}baselines/ingest-server.mjs`, env: environment({ SQLITE_PATH: sqlitePath }) };
    case 'pg-redis':
      return { name, script: `${BENCH}baselines/pg-redis-server.mjs`, env: environment({ HEARTBEAT_MS: String(HEARTBEAT_MS), MAX_BUFFERED_BYTES }) };
    case 'nest-fastify':
      return { name, script: `${BENCH}baselines/nest-fastify-server.mjs`, env: environment({}) };
    default:
      throw new Error(`unknown server "${name}"`);
  }
}
