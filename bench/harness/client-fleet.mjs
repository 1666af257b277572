import { fileURLToPath } from 'node:url';
import { DeliveryTally } from '../client/delivery-tally.mjs';
import { BenchProcess } from './child-processes.mjs';
import { pinnedCommand } from './cpu-pinning.mjs';
import { withOpenFiles } from './open-files.mjs';
import { cpuMicros } from './proc-stats.mjs';

const LOAD_CLIENT = fileURLToPath(new URL('../client/load-client.mjs', import.meta.url));
const PUBLISHER = fileURLToPath(new URL('../client/publisher.mjs', import.meta.url));
const HANDSHAKES_IN_FLIGHT = 64;
const FD_HEADROOM = 100;

/** Starts one bench client script on the clients' CPU. */
function startClientProcess(name, script, cpu, openFiles) {
  return new BenchProcess(name, withOpenFiles(openFiles, pinnedCommand(cpu, [process.execPath, script])), process.env);
}

/**
 * The WebSocket connections of one run, spread over load-client processes of at most
 * `perProcess` connections each, all on the clients' CPU.
 */
export class ClientFleet {
  /**
   * Opens `count` connections to `wsUrl` (spread over its instances when a list); each
   * subscribes to `topic` when given, and connection i connects as users[i] when `users` is
   * given. Throws unless all opened. `transport: 'sse'` opens SSE streams (`GET /sse` of the
   * same server) instead of WebSockets.
   * @param {{wsUrl: string|string[], count: number, perProcess: number, cpu: number|null, topic?: string, users?: string[], transport?: 'ws'|'sse'}} options
   */
  static async open({ wsUrl, count, perProcess, cpu, topic = null, users = null, transport = 'ws' }) {
    const processes = Math.ceil(count / perProcess);
    const fleet = new ClientFleet(
      Array.from({ length: processes }, (_, i) =>
        startClientProcess(`load-client-${i}`, LOAD_CLIENT, cpu, Math.ceil(count / processes) + FD_HEADROOM),
      ),
    );
    const share = Math.ceil(count / processes);
    const replies = await Promise.all(
      fleet.processes.map((proc, i) => {
        const from = i * share;
        const slice = Math.max(0, Math.min(share, count - from));
        return proc.ask(
          { cmd: 'open', url: wsUrl, count: slice, topic, users: users?.slice(from, from + slice) ?? null, concurrency: HANDSHAKES_IN_FLIGHT, transport },
          'opened',
          30000 + slice * 50,
        );
      }),
    );
    const failed = replies.reduce((sum, reply) => sum + reply.failed, 0);
    if (failed > 0) {
      await fleet.close();
      throw new Error(`${failed} of ${count} connections failed to open: ${replies.find((r) => r.firstError)?.firstError}`);
    }
    return fleet;
  }

  constructor(processes) {
    this.processes = processes;
  }

  /** What every client process has counted so far, summed. */
  async tally() {
    const replies = await Promise.all(this.processes.map((proc) => proc.ask({ cmd: 'tally' }, 'tally', 30000)));
    return DeliveryTally.merge(replies.map((reply) => reply.tally));
  }

  /** CPU time all client processes used so far, in microseconds. */
  cpuMicros() {
    return this.processes.reduce((sum, proc) => sum + cpuMicros(proc.pid), 0);
  }

  async close() {
    for (const proc of this.processes) if (!proc.exitInfo) proc.child.send({ cmd: 'close' });
    await Promise.all(this.processes.map((proc) => Promise.race([proc.exited, new Promise((r) => setTimeout(r, 5000))])));
    await Promise.all(this.processes.map((proc) => proc.stop()));
  }
}

/**
 * Runs the open-loop publisher in its own process on the clients' CPU and resolves with its
 * report once every request was answered.
 * @param {{url: string, cpu: number|null, startAt: number, warmupS: number, measureS: number, rate: number, topic?: string, users?: string[]}} plan
 */
export async function publish({ cpu, ...plan }) {
  const proc = startClientProcess('publisher', PUBLISHER, cpu, 1024);
  try {
    const timeoutMs = plan.startAt - Date.now() + (plan.warmupS + plan.measureS) * 1000 + 60000;
    return await proc.ask({ cmd: 'run', ...plan }, 'done', timeoutMs);
  } finally {
    await proc.stop();
  }
}
