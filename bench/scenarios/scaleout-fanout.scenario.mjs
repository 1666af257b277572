import { ServerCluster } from '../harness/server-cluster.mjs';
import { deliveryProblems, interleavedDeliveries } from './delivery-run.mjs';

const TOPIC = 'bench.fanout';

/**
 * Fan-out in the scale-out configuration: `instances` instances of the service with
 * STORE=postgres BROKER=redis (or of the `pg-redis` baseline), the subscribers spread over them
 * and the publishes taken by each in turn, so every notification crosses Redis to reach the
 * other instances' sockets. Figures as in fan-out, plus PostgreSQL's and Redis's CPU per delivery.
 */
export function scaleOutFanoutScenario({ instances, subscribers, rate, ...phases }) {
  return {
    id: `scaleout-fanout-${instances}x-${subscribers}x${rate}`,
    title: `fan-out, ${instances === 1 ? 'one instance' : `${instances} instances`}: ${subscribers.toLocaleString('en')} subscribers × ${rate}/s`,
    group: 'scaleout',
    targets: ['service', 'pg-redis'],
    config: { instances, subscribers, rate, ...phases },
    connections: subscribers,
    start: (name, placement) => ServerCluster.start(name, instances, placement),
    metrics: [
      { key: 'cpuPerDeliveryMicros', label: 'server CPU µs / delivery', digits: 2, ratio: true },
      { key: 'postgresCpuPerDeliveryMicros', label: 'PostgreSQL CPU µs / delivery', digits: 3, ratio: true },
      { key: 'redisCpuPerDeliveryMicros', label: 'Redis CPU µs / delivery', digits: 3, ratio: true },
      { key: 'p50Ms', label: 'p50 ms', digits: 2, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'loss', label: 'loss', digits: 0 },
      { key: 'serverCpuStealPercent', label: 'steal % of the server CPU', digits: 1 },
    ],
    ...interleavedDeliveries({ connections: subscribers, topic: TOPIC, rate, recipientsPerPublish: subscribers }, phases),
    problems: deliveryProblems,
  };
}
