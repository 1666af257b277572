import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// /proc reports CPU time in clock ticks; the tick rate is a kernel constant, usually 100.
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU time a process has used so far, in microseconds, from /proc/<pid>/stat. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name start at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/**
 * Time the hypervisor gave CPU `cpu` to other guests so far (steal), in microseconds, from
 * /proc/stat; null when the CPU is unknown. On a shared host this is what moves latency.
 */
export function stealMicros(cpu) {
  if (cpu === null || cpu === undefined) return null;
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((row) => row.startsWith(`cpu${cpu} `));
  // cpuN user nice system idle iowait irq softirq steal ...
  return line ? (Number(line.trim().split(/\s+/)[8]) * 1e6) / CLOCK_TICKS : null;
}

/** Steal on `cpu` between two stealMicros readings, as a percentage of `wallMicros`. */
export const stealPercent = (before, after, wallMicros) =>
  before === null || after === null || wallMicros <= 0 ? null : (100 * (after - before)) / wallMicros;

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

/** True when process `pid` itself holds a listening TCP socket on `port` (and not some other process). */
export function listensOn(pid, port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl, local_address (ip:port), rem_address, st (0A = LISTEN), ..., inode at index 9
      if (fields.length > 9 && fields[1].endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
