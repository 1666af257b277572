import { randomBytes } from 'node:crypto';
import { ScratchDatabase } from './scratch-database.fixture.js';
import { type ServiceInstance, startInstance } from './service-instance.fixture.js';

const { REDIS_URL, DATABASE_URL } = process.env;

/** Two instances of the built service sharing a Redis channel and a scratch PostgreSQL database. */
export interface Cluster {
  /** Unique to this run: names its channel, and tests use it in their topics and users. */
  run: string;
  a: ServiceInstance;
  b: ServiceInstance;
}

/** `describe` when REDIS_URL and DATABASE_URL are set, else `describe.skip` with one line saying why. */
export function describeWithRedisAndPostgres(what: string): jest.Describe {
  const unset = [REDIS_URL ? null : 'REDIS_URL', DATABASE_URL ? null : 'DATABASE_URL'].filter(Boolean);
  if (unset.length === 0) return describe;
  console.log(`${what} skipped: ${unset.join(' and ')} unset`);
  return describe.skip;
}

/** Starts a cluster for the enclosing `describe` (beforeAll, stopped and its database dropped afterAll). */
export function clusterFor(name: string): () => Cluster {
  const run = randomBytes(6).toString('hex');
  let database: ScratchDatabase | undefined;
  let instances: ServiceInstance[] = [];
  beforeAll(async () => {
    database = await ScratchDatabase.create(DATABASE_URL!);
    const env = {
      STORE: 'postgres',
      DATABASE_URL: database.url,
      BROKER: 'redis',
      REDIS_URL: REDIS_URL!,
      REDIS_CHANNEL: `${name}:${run}`,
      LOG_LEVEL: 'warn',
    };
    instances = await Promise.all([startInstance(env), startInstance(env)]);
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await database?.drop();
  });
  return () => ({ run, a: instances[0], b: instances[1] });
}
