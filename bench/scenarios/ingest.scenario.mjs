import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { median } from '../harness/median.mjs';
import { cpuMicros, stealMicros, stealPercent } from '../harness/proc-stats.mjs';

const BODY = JSON.stringify({ type: 'bench.ingest', payload: { order: 1234, status: 'shipped' }, topic: 'bench.ingest' });

function cannon(url, connections, durationS) {
  return autocannon({
    url: `${url}/notifications`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections,
    duration: durationS,
  });
}

const sum = (bursts, key) => bursts.reduce((total, burst) => total + burst[key], 0);

/** One autocannon burst of `durationS` against `server`, with the server's CPU and steal over it. */
async function measure(server, serverCpu, connections, durationS) {
  const cpuStart = cpuMicros(server.pid);
  const stealStart = stealMicros(serverCpu);
  const wallStart = performance.now();
  const result = await cannon(server.url, connections, durationS);
  const cpu = cpuMicros(server.pid) - cpuStart;
  const wallS = (performance.now() - wallStart) / 1000;
  const steal = stealPercent(stealStart, stealMicros(serverCpu), wallS * 1e6);
  server.assertRunning();
  return {
    requestsPerS: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    accepted: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuPerRequestMicros: result['2xx'] > 0 ? cpu / result['2xx'] : null,
    serverCpuPercent: (100 * cpu) / (wallS * 1e6),
    serverCpuStealPercent: steal,
  };
}

/**
 * REST ingest: `POST /notifications` to a topic, SQLite store, under autocannon with
 * `connections` concurrent requests. The figures: requests per second, p99 and server CPU per request.
 * `nest-fastify` answers the same requests from an empty Nest controller: the framework's share.
 *
 * Interleaved: every server runs at once (idle but for its turn) and takes `rounds` bursts of
 * `burstS` seconds in turn, alternating the order; each figure is the median of its bursts, so
 * a change in the host's load over the run falls on every server alike.
 */
export function ingestScenario({ connections, warmupS, burstS, rounds }) {
  return {
    id: 'ingest-sqlite',
    title: `REST ingest (SQLite, ${connections} connections)`,
    group: 'ingest',
    targets: ['service', 'http-sqlite', 'nest-fastify'],
    config: { connections, warmupS, burstS, rounds },
    connections,
    sqlite: true,
    rounds,
    metrics: [
      { key: 'requestsPerS', label: 'requests/s', digits: 0, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'cpuPerRequestMicros', label: 'server CPU µs / request', digits: 1, ratio: true },
      { key: 'serverCpuStealPercent', label: 'steal % of the server CPU', digits: 1 },
    ],
    warmUp: (server, { pinning }) => measure(server, pinning.server, connections, warmupS),
    burst: (server, { pinning }) => measure(server, pinning.server, connections, burstS),
    summarize: (bursts) => ({
      requestsPerS: median(bursts.map((burst) => burst.requestsPerS)),
      p50Ms: median(bursts.map((burst) => burst.p50Ms)),
      p99Ms: median(bursts.map((burst) => burst.p99Ms)),
      cpuPerRequestMicros: median(bursts.map((burst) => burst.cpuPerRequestMicros)),
      serverCpuPercent: median(bursts.map((burst) => burst.serverCpuPercent)),
      serverCpuStealPercent: median(bursts.map((burst) => burst.serverCpuStealPercent)),
      accepted: sum(bursts, 'accepted'),
      non2xx: sum(bursts, 'non2xx'),
      errors: sum(bursts, 'errors'),
      timeouts: sum(bursts, 'timeouts'),
      bursts,
    }),
    problems: (result) => {
      const problems = [];
      if (result.accepted === 0) problems.push('no request was accepted');
      if (result.non2xx > 0) problems.push(`${result.non2xx} answers were not 2xx`);
      if (result.errors + result.timeouts > 0) problems.push(`${result.errors} errors, ${result.timeouts} timeouts`);
      return problems;
    },
  };
}
