import { deliveryProblems, interleavedDeliveries } from './delivery-run.mjs';

const TOPIC = 'bench.fanout';

/**
 * Fan-out: `subscribers` connections on one topic, `rate` notifications a second over REST.
 * The figure: server CPU time per delivery at that load, with latency and loss, interleaved
 * over `phases.rounds` rounds (see interleavedDeliveries).
 */
export function fanoutScenario({ subscribers, rate, ...phases }) {
  return {
    id: `fanout-${subscribers}x${rate}`,
    title: `fan-out: ${subscribers.toLocaleString('en')} subscribers × ${rate}/s`,
    group: 'realtime',
    targets: ['service', 'naive', 'preframed'],
    config: { subscribers, rate, ...phases },
    connections: subscribers,
    metrics: [
      { key: 'cpuPerDeliveryMicros', label: 'server CPU µs / delivery', digits: 2, ratio: true },
      { key: 'p50Ms', label: 'p50 ms', digits: 2, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'loss', label: 'loss', digits: 0 },
      { key: 'serverCpuStealPercent', label: 'steal % of the server CPU', digits: 1 },
    ],
    ...interleavedDeliveries({ connections: subscribers, topic: TOPIC, rate, recipientsPerPublish: subscribers }, phases),
    problems: deliveryProblems,
  };
}
