import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { median } from '../harness/median.mjs';
import { stealMicros, stealPercent } from '../harness/proc-stats.mjs';
import { ServerCluster } from '../harness/server-cluster.mjs';

/** Topics the many-topic load cycles through: enough that two requests of a batch rarely share one. */
const MANY_TOPICS = 1000;

/** autocannon against one instance: every request to `bench.ingest`, or each to the next of MANY_TOPICS. */
function cannon(url, connections, durationS, topics) {
  let next = 0;
  const body = (topic) => JSON.stringify({ type: 'bench.ingest', payload: { order: 1234, status: 'shipped' }, topic });
  return autocannon({
    url: `${url}/notifications`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    duration: durationS,
    requests: [
      topics === 'hot'
        ? { body: body('bench.ingest') }
        : { setupRequest: (request) => Object.assign(request, { body: body(`bench.t${next++ % MANY_TOPICS}`) }) },
    ],
  });
}

const sum = (items, key) => items.reduce((total, item) => total + item[key], 0);

/**
 * One burst on every instance at once (the connections split between them), with the CPU the
 * instances, PostgreSQL and Redis used over it.
 */
async function measure(cluster, serverCpu, connections, durationS, topics) {
  const backingStart = await cluster.backing.sample();
  const cpuStart = cluster.cpuMicros();
  const stealStart = stealMicros(serverCpu);
  const wallStart = performance.now();
  const share = Math.ceil(connections / cluster.urls.length);
  const results = await Promise.all(cluster.urls.map((url) => cannon(url, share, durationS, topics)));
  const cpu = cluster.cpuMicros() - cpuStart;
  const backing = await cluster.backing.sample();
  const wallS = (performance.now() - wallStart) / 1000;
  cluster.assertRunning();
  const accepted = results.reduce((total, result) => total + result['2xx'], 0);
  const per = (micros) => (accepted > 0 ? micros / accepted : null);
  return {
    requestsPerS: results.reduce((total, result) => total + result['2xx'] / result.duration, 0),
    // Of the instances, the slowest: autocannon gives no histogram to merge.
    p50Ms: Math.max(...results.map((result) => result.latency.p50)),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    accepted,
    non2xx: sum(results, 'non2xx'),
    errors: sum(results, 'errors'),
    timeouts: sum(results, 'timeouts'),
    cpuPerRequestMicros: per(cpu),
    postgresCpuPerRequestMicros: per(backing.postgres - backingStart.postgres),
    redisCpuPerRequestMicros: per(backing.redis - backingStart.redis),
    serverCpuPercent: (100 * cpu) / (wallS * 1e6),
    serverCpuStealPercent: stealPercent(stealStart, stealMicros(serverCpu), wallS * 1e6),
  };
}

const MEDIANS = ['requestsPerS', 'p50Ms', 'p99Ms', 'cpuPerRequestMicros', 'postgresCpuPerRequestMicros', 'redisCpuPerRequestMicros', 'serverCpuPercent', 'serverCpuStealPercent'];

/**
 * REST ingest in the scale-out configuration: `POST /notifications` under autocannon with
 * `connections` concurrent requests spread over `instances` instances of the service with
 * STORE=postgres BROKER=redis, against as many of the `pg-redis` baseline. `topics`: 'hot'
 * (every request to one topic, which the service orders across instances) or 'many' (each to
 * the next of 1,000). Interleaved as the SQLite ingest scenario is; the figures: requests/s, p99,
 * and the CPU per request of the instances, of PostgreSQL's backends and of Redis.
 */
export function scaleOutIngestScenario({ instances, topics, connections, warmupS, burstS, rounds }) {
  return {
    id: `scaleout-ingest-${topics}-${instances}x`,
    title: `REST ingest, ${topics === 'hot' ? 'one hot topic' : `${MANY_TOPICS.toLocaleString('en')} topics`}, ${instances === 1 ? 'one instance' : `${instances} instances`} (${connections} connections)`,
    group: 'scaleout',
    targets: ['service', 'pg-redis'],
    config: { instances, topics, connections, warmupS, burstS, rounds },
    connections,
    rounds,
    start: (name, placement) => ServerCluster.start(name, instances, placement),
    metrics: [
      { key: 'requestsPerS', label: 'requests/s', digits: 0, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'cpuPerRequestMicros', label: 'server CPU µs / request', digits: 1, ratio: true },
      { key: 'postgresCpuPerRequestMicros', label: 'PostgreSQL CPU µs / request', digits: 1, ratio: true },
      { key: 'redisCpuPerRequestMicros', label: 'Redis CPU µs / request', digits: 1, ratio: true },
      { key: 'serverCpuStealPercent', label: 'steal % of the server CPU', digits: 1 },
    ],
    warmUp: (cluster, { pinning }) => measure(cluster, pinning.server, connections, warmupS, topics),
    burst: (cluster, { pinning }) => measure(cluster, pinning.server, connections, burstS, topics),
    summarize: (bursts) => {
      const summary = {};
      for (const key of MEDIANS) summary[key] = median(bursts.map((burst) => burst[key]));
      for (const key of ['accepted', 'non2xx', 'errors', 'timeouts']) summary[key] = sum(bursts, key);
      summary.bursts = bursts;
      return summary;
    },
    problems: (result) => {
      const problems = [];
      if (result.accepted === 0) problems.push('no request was accepted');
      if (result.non2xx > 0) problems.push(`${result.non2xx} answers were not 2xx`);
      if (result.errors + result.timeouts > 0) problems.push(`${result.errors} errors, ${result.timeouts} timeouts`);
      return problems;
    },
  };
}
