import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { cpuMicros } from '../harness/proc-stats.mjs';

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

/**
 * REST ingest: `POST /notifications` to a topic, SQLite store, under autocannon with
 * `connections` concurrent requests. The figures: requests per second, p99 and server CPU per request.
 * `nest-fastify` answers the same requests from an empty Nest controller: the framework's share.
 */
export function ingestScenario({ connections, warmupS, measureS }) {
  return {
    id: 'ingest-sqlite',
    title: `REST ingest (SQLite, ${connections} connections)`,
    group: 'ingest',
    targets: ['service', 'http-sqlite', 'nest-fastify'],
    config: { connections, warmupS, measureS },
    connections,
    sqlite: true,
    metrics: [
      { key: 'requestsPerS', label: 'requests/s', digits: 0, ratio: true },
      { key: 'p99Ms', label: 'p99 ms', digits: 2, ratio: true },
      { key: 'cpuPerRequestMicros', label: 'server CPU µs / request', digits: 1, ratio: true },
    ],
    run: async (server) => {
      await cannon(server.url, connections, warmupS);
      const cpuStart = cpuMicros(server.pid);
      const wallStart = performance.now();
      const result = await cannon(server.url, connections, measureS);
      const cpu = cpuMicros(server.pid) - cpuStart;
      const wallS = (performance.now() - wallStart) / 1000;
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
      };
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
