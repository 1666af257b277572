import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Expands a kernel CPU list such as "0-3,6" into [0, 1, 2, 3, 6]. */
function expandCpuList(list) {
  return list.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/**
 * Picks the server's CPU and the clients' CPU: the first two this process may run on,
 * unless given. Falls back to one shared CPU, or none when taskset is missing, and says so.
 * @returns {{server: number|null, client: number|null, note: string|null}}
 */
export function choosePinning({ serverCpu, clientCpu } = {}) {
  if (spawnSync('taskset', ['-V']).status !== 0) {
    return { server: null, client: null, note: 'taskset not found: processes are not pinned' };
  }
  const allowed = expandCpuList(/^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1].trim());
  const server = serverCpu ?? allowed[0];
  const client = clientCpu ?? allowed.find((cpu) => cpu !== server) ?? server;
  const note = server === client ? `only CPU ${server} is available: server and clients share it` : null;
  return { server, client, note };
}

/** Prefixes a command with taskset so that it runs on `cpu` only (unchanged when cpu is null). */
export function pinnedCommand(cpu, argv) {
  return cpu === null ? argv : ['taskset', '-c', String(cpu), ...argv];
}

/** Moves every thread of this process onto `cpu`. */
export function pinSelf(cpu) {
  if (cpu !== null) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}
