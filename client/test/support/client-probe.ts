import type { ClientEventMap, NotificationsClient } from '../../src/index.js';

/** The next `event` of `client` that satisfies `where`; fails after `timeoutMs`. */
export function nextEvent<E extends keyof ClientEventMap>(
  client: NotificationsClient,
  event: E,
  where: (payload: ClientEventMap[E]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching "${String(event)}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (!where(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Every `event` of `client` from now on, in order. */
export function record<E extends keyof ClientEventMap>(client: NotificationsClient, event: E): ClientEventMap[E][] {
  const seen: ClientEventMap[E][] = [];
  client.on(event, (payload) => seen.push(payload));
  return seen;
}

export { until } from '../../../test/support/eventually.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
