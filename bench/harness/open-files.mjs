import { execFileSync } from 'node:child_process';

const limits = (() => {
  const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
  const parse = (value) => (value === 'unlimited' ? Infinity : Number(value));
  return { soft: parse(soft), hard: parse(hard) };
})();

/** The soft and hard limits on open files a spawned process starts with. */
export const openFileLimits = () => ({ ...limits });

/**
 * Wraps a command so that its soft open-file limit is at least `needed` (raised up to the
 * hard limit in the spawning shell); throws when even the hard limit is too low.
 */
export function withOpenFiles(needed, argv) {
  if (limits.soft >= needed) return argv;
  if (limits.hard < needed) {
    throw new Error(`needs ${needed} open files but the hard limit (ulimit -Hn) is ${limits.hard}`);
  }
  return ['sh', '-c', 'ulimit -Sn "$0" && exec "$@"', String(limits.hard === Infinity ? needed : limits.hard), ...argv];
}
