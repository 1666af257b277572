import { deliveryProblems, interleavedDeliveries } from './delivery-run.mjs';

/**
 * Personal: `users` users connected once each, `rate` notifications a second over REST, each
 * to one random user. The figure: server CPU time per notification, with latency and loss,
 * interleaved over `phases.rounds` rounds (see interleavedDeliveries).
 */
export function personalScenario({ users, rate, ...phases }) {
  const userIds = Array.from({ length: users }, (_, i) => `bench-u${i}`);
  return {
    id: `personal-${users}x${rate}`,
    title: `personal: ${users.toLocaleString('en')} users, ${rate}/s to random users`,
    group: 'realtime',
    targets: ['service', 'naive', 'preframed'],
    config: { users, rate, ...phases },
    connections: users,
    metrics: [
      { key: 'cpuPerDeliveryMicros', label: 'server CPU µs / notification', digits: 1, ratio: true },
      { key: 'p50Ms', label: 'p50 ms', digits: 2, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'loss', label: 'loss', digits: 0 },
      { key: 'serverCpuStealPercent', label: 'steal % of the server CPU', digits: 1 },
    ],
    ...interleavedDeliveries({ connections: users, users: userIds, rate, recipientsPerPublish: 1 }, phases),
    problems: deliveryProblems,
  };
}
