import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { cpuMicros } from './proc-stats.mjs';

const POLL_MS = 250;

/** CPU time of a process, or null once it is gone. */
function cpuOrNull(pid) {
  try {
    return cpuMicros(pid);
  } catch {
    return null;
  }
}

/** Pids of every process whose command name is `comm` (from /proc/<pid>/comm). */
export function pidsNamed(comm) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

/**
 * CPU used by a changing set of processes since the tracker started: a pid seen at the start
 * counts from its CPU then, one that appears later from zero (it was born after), and one that
 * ends keeps what it had used at the last poll (at most POLL_MS of its time is lost).
 */
class ProcessSetCpu {
  constructor(listPids) {
    this.listPids = listPids;
    this.known = new Map(); // pid -> { from, last }
    this.started = false;
  }

  async poll() {
    const pids = await this.listPids();
    for (const pid of pids) {
      const now = cpuOrNull(pid);
      if (now === null) continue;
      const entry = this.known.get(pid);
      if (entry) entry.last = now;
      else this.known.set(pid, { from: this.started ? 0 : now, last: now });
    }
    this.started = true;
  }

  total() {
    let sum = 0;
    for (const { from, last } of this.known.values()) sum += last - from;
    return sum;
  }
}

/**
 * The CPU PostgreSQL and Redis spend for a server under test, read from /proc: every backend
 * connected to `database` (PostgreSQL runs one process per connection; they are summed) and
 * every `redis-server` process. Polled in the background, so backends that come and go are
 * counted. Redis is shared by whatever else uses it on the host, and PostgreSQL's shared
 * processes (WAL writer, checkpointer) are left out: both figures are what this server's
 * requests cost there, as closely as /proc tells it.
 */
export class BackingCpu {
  /** @param {{adminUrl: string, database: string}} options adminUrl: a database other than `database` */
  static async start({ adminUrl, database }) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const tracker = new BackingCpu(admin, database);
    await tracker.sample();
    tracker.timer = setInterval(() => {
      tracker.polling ??= tracker.pollAll().finally(() => (tracker.polling = null));
    }, POLL_MS);
    return tracker;
  }

  constructor(admin, database) {
    this.admin = admin;
    this.postgres = new ProcessSetCpu(async () => {
      const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
      return rows.map((row) => row.pid);
    });
    this.redis = new ProcessSetCpu(async () => pidsNamed('redis-server'));
    this.polling = null;
    this.timer = null;
  }

  async pollAll() {
    try {
      await Promise.all([this.postgres.poll(), this.redis.poll()]);
    } catch {
      // A poll that failed (the admin connection) leaves the last figures in place.
    }
  }

  /** CPU microseconds each used since the start: `{postgres, redis}`. */
  async sample() {
    await this.polling;
    await this.pollAll();
    return { postgres: this.postgres.total(), redis: this.redis.total() };
  }

  async stop() {
    clearInterval(this.timer);
    await this.polling;
    await this.admin.end().catch(() => undefined);
  }
}
