import { setTimeout as sleep } from 'node:timers/promises';
import { ClientFleet } from '../harness/client-fleet.mjs';

/**
 * Idle: `connections` open connections that do nothing. The figures: server RSS and heap
 * per connection, each measured after a full GC, before and after the connections opened.
 */
export function idleScenario({ connections, settleS }) {
  return {
    id: `idle-${connections}`,
    title: `idle: ${connections.toLocaleString('en')} connections`,
    group: 'realtime',
    targets: ['service', 'naive', 'preframed'],
    config: { connections, settleS },
    connections,
    metrics: [
      { key: 'rssPerConnectionKiB', label: 'RSS KiB / connection', digits: 2, ratio: true },
      { key: 'heapPerConnectionKiB', label: 'heap KiB / connection', digits: 2, ratio: true },
    ],
    run: async (server, { pinning, perProcess }) => {
      await sleep(settleS * 1000);
      const before = await server.memory();
      const fleet = await ClientFleet.open({ wsUrl: server.wsUrl, count: connections, perProcess, cpu: pinning.client });
      try {
        await sleep(settleS * 1000);
        const after = await server.memory();
        server.assertRunning();
        const { dropped, dropCodes } = await fleet.tally();
        return {
          rssPerConnectionKiB: (after.rss - before.rss) / connections / 1024,
          heapPerConnectionKiB: (after.heapUsed - before.heapUsed) / connections / 1024,
          dropped,
          dropCodes,
          before,
          after,
        };
      } finally {
        await fleet.close();
      }
    },
    problems: (result) => (result.dropped > 0 ? [`${result.dropped} idle connections closed by the server ${JSON.stringify(result.dropCodes)}`] : []),
  };
}
