import { BackingCpu } from './backing-cpu.mjs';
import { ADMIN_DATABASE_URL, BENCH_REDIS_URL, ScratchDatabase } from './scratch-database.mjs';
import { ServerUnderTest } from './server-process.mjs';
import { serverTarget } from './targets.mjs';
import { cpuMicros } from './proc-stats.mjs';

/**
 * The scale-out configuration of a server: `service` with STORE=postgres BROKER=redis, or the
 * `pg-redis` baseline, on a scratch database and a Redis channel of its own.
 */
function scaleOutTarget(name, scratch) {
  const target = serverTarget(name, { sqlitePath: null });
  const env = { ...target.env, DATABASE_URL: scratch.url, REDIS_URL: BENCH_REDIS_URL, REDIS_CHANNEL: scratch.channel };
  if (name === 'service') Object.assign(env, { STORE: 'postgres', BROKER: 'redis' });
  return { ...target, env };
}

/**
 * `instances` processes of one server sharing a scratch PostgreSQL database and a Redis channel,
 * all on the server CPU, seen by the scenarios as one server: `urls` and `wsUrls` list each
 * instance (`url` and `wsUrl` are the first), `cpuMicros()` sums theirs, and `backing` reads what
 * PostgreSQL and Redis spend (see BackingCpu).
 */
export class ServerCluster {
  /** @returns {Promise<{server: ServerCluster, stop: () => Promise<void>}>} what runInterleaved expects of a start */
  static async start(name, instances, { pinning, openFiles }) {
    const scratch = await ScratchDatabase.create(`bench_${name.replace(/\W/g, '_')}`);
    const servers = [];
    let backing = null;
    const cluster = () => new ServerCluster(name, servers, backing, scratch);
    try {
      backing = await BackingCpu.start({ adminUrl: ADMIN_DATABASE_URL, database: scratch.name });
      // One after the other: the first creates the tables.
      for (let i = 0; i < instances; i++) {
        servers.push(await ServerUnderTest.start(scaleOutTarget(name, scratch), { cpu: pinning.server, openFiles }));
      }
    } catch (error) {
      await cluster().stop();
      throw error;
    }
    const started = cluster();
    return { server: started, stop: () => started.stop() };
  }

  constructor(name, servers, backing, scratch) {
    this.name = name;
    this.servers = servers;
    this.backing = backing;
    this.scratch = scratch;
    this.urls = servers.map((server) => server.url);
    this.wsUrls = servers.map((server) => server.wsUrl);
    this.url = this.urls[0];
    this.wsUrl = this.wsUrls[0];
    this.pid = servers[0]?.pid;
    // What failure messages read: every instance's last output.
    this.proc = { output: () => servers.map((server) => server.proc.output()).join('') };
  }

  /** CPU time every instance used so far, in microseconds. */
  cpuMicros() {
    return this.servers.reduce((sum, server) => sum + cpuMicros(server.pid), 0);
  }

  assertRunning() {
    for (const server of this.servers) server.assertRunning();
  }

  async stop() {
    await Promise.all(this.servers.map((server) => server.stop()));
    await this.backing?.stop();
    await this.scratch.drop().catch((error) => console.error(`dropping ${this.scratch.name} failed: ${error.message}`));
  }
}
