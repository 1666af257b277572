import { deliveryProblems, interleavedDeliveries } from './delivery-run.mjs';

const TOPIC = 'bench.fanout';

/**
 * SSE fan-out: the fan-out scenario with the service's clients on Server-Sent Events streams
 * (`GET /sse?topics=`), against the preframed `ws` baseline's WebSocket clients: `subscribers`
 * streams on one topic, `rate` notifications a second over REST. Same figures as fan-out.
 */
export function sseFanoutScenario({ subscribers, rate, ...phases }) {
  const load = { connections: subscribers, topic: TOPIC, rate, recipientsPerPublish: subscribers };
  const streams = interleavedDeliveries({ ...load, transport: 'sse' }, phases);
  const sockets = interleavedDeliveries(load, phases);
  const byServer = (server) => (server.name === 'service' ? streams : sockets);
  return {
    id: `sse-fanout-${subscribers}x${rate}`,
    title: `SSE fan-out: ${subscribers.toLocaleString('en')} streams × ${rate}/s (baseline: WebSockets)`,
    group: 'realtime',
    targets: ['service', 'preframed'],
    config: { subscribers, rate, transport: 'sse', ...phases },
    connections: subscribers,
    metrics: [
      { key: 'cpuPerDeliveryMicros', label: 'server CPU µs / delivery', digits: 2, ratio: true },
      { key: 'p50Ms', label: 'p50 ms', digits: 2, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'loss', label: 'loss', digits: 0 },
      { key: 'serverCpuStealPercent', label: 'steal % of the server CPU', digits: 1 },
    ],
    rounds: streams.rounds,
    warmUp: (server, context) => byServer(server).warmUp(server, context),
    burst: (server, context) => byServer(server).burst(server, context),
    summarize: streams.summarize,
    problems: deliveryProblems,
  };
}
