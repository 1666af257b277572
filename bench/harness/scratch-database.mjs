import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the scale-out scenarios use (DATABASE_URL, else the local test database). */
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The Redis they use (REDIS_URL, else the local one). */
export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function run(statement) {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A database of its own for one server of one run: created empty, dropped after; and a Redis channel as unique. */
export class ScratchDatabase {
  static async create(prefix) {
    const name = `${prefix}_${randomBytes(5).toString('hex')}`;
    await run(`CREATE DATABASE ${name}`);
    return new ScratchDatabase(name);
  }

  constructor(name) {
    this.name = name;
    this.channel = `bench:${name}`;
    const url = new URL(ADMIN_DATABASE_URL);
    url.pathname = `/${name}`;
    this.url = url.toString();
  }

  async drop() {
    await run(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}
