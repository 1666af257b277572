const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 3600 * 1000;

/**
 * Wait before the attempt after `attempts` failed ones: doubling from 1 s up to an hour, half of
 * it random, so events that failed together (a receiver outage) do not all come back together.
 */
export function retryDelayMs(attempts: number, random = Math.random): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
