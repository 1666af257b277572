import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientFleet, publish } from '../harness/client-fleet.mjs';
import { median } from '../harness/median.mjs';
import { cpuMicros, stealMicros, stealPercent } from '../harness/proc-stats.mjs';

const PUBLISH_LEAD_MS = 1000;

/** CPU time of the server so far: every instance of a cluster (see ServerCluster), else its one process. */
const serverCpuMicros = (server) => (server.cpuMicros ? server.cpuMicros() : cpuMicros(server.pid));

/**
 * One open-loop delivery measurement against a running server: connect the clients, publish
 * at `rate` for warmupS + measureS, wait up to drainS for the measured deliveries, and
 * charge the server's CPU time from the first measured publish to the last delivery.
 * @param {import('../harness/server-process.mjs').ServerUnderTest} server
 * @param {{connections: number, topic?: string, users?: string[], rate: number, warmupS: number, measureS: number, drainS: number, recipientsPerPublish: number}} load
 * @param {{pinning: {server: number|null, client: number|null}, perProcess: number}} context
 */
export async function runDeliveries(server, load, { pinning, perProcess }) {
  const fleet = await ClientFleet.open({
    wsUrl: server.wsUrls ?? server.wsUrl,
    count: load.connections,
    perProcess,
    cpu: pinning.client,
    topic: load.topic ?? null,
    users: load.users ?? null,
    transport: load.transport,
  });
  try {
    const startAt = Date.now() + PUBLISH_LEAD_MS;
    const measureAt = startAt + load.warmupS * 1000;
    let start = null;
    let backingStart = null;
    const startTimer = setTimeout(() => {
      start = { server: serverCpuMicros(server), clients: fleet.cpuMicros(), steal: stealMicros(pinning.server), wall: performance.now() };
      backingStart = server.backing?.sample();
    }, measureAt - Date.now());
    let published;
    try {
      published = await publish({
        url: server.urls ?? server.url,
        cpu: pinning.client,
        startAt,
        warmupS: load.warmupS,
        measureS: load.measureS,
        rate: load.rate,
        topic: load.topic,
        users: load.users,
      });
    } finally {
      clearTimeout(startTimer);
    }
    const expected = published.sent.measured * load.recipientsPerPublish;
    const drainUntil = Date.now() + load.drainS * 1000;
    let tally = await fleet.tally();
    while (tally.measured < expected && Date.now() < drainUntil) {
      await sleep(100);
      tally = await fleet.tally();
    }
    const end = { server: serverCpuMicros(server), clients: fleet.cpuMicros(), steal: stealMicros(pinning.server), wall: performance.now() };
    const backing = server.backing ? backingPerDelivery(await backingStart, await server.backing.sample(), tally.measured) : {};
    server.assertRunning();
    const wallMicros = (end.wall - start.wall) * 1000;
    const serverCpu = end.server - start.server;
    return {
      ...backing,
      deliveries: tally.measured,
      expected,
      cpuPerDeliveryMicros: tally.measured > 0 ? serverCpu / tally.measured : null,
      p50Ms: tally.latency.quantile(0.5) / 1000,
      p99Ms: tally.latency.quantile(0.99) / 1000,
      p999Ms: tally.latency.quantile(0.999) / 1000,
      loss: expected - tally.measured,
      lossRate: expected > 0 ? (expected - tally.measured) / expected : 0,
      duplicates: tally.duplicates,
      disorder: tally.disorder,
      dropped: tally.dropped,
      dropCodes: tally.dropCodes,
      exceptions: tally.exceptions,
      firstException: tally.firstException,
      unreadFrames: tally.unreadFrames,
      published: published.sent,
      publishErrors: published.errors,
      firstPublishError: published.firstError,
      publisherMaxLagMs: published.maxLagMs,
      serverCpuPercent: (100 * serverCpu) / wallMicros,
      clientCpuPercent: (100 * (end.clients - start.clients)) / wallMicros,
      serverCpuStealPercent: stealPercent(start.steal, end.steal, wallMicros),
      measuredWallS: wallMicros / 1e6,
    };
  } finally {
    await fleet.close();
  }
}

/** What PostgreSQL and Redis spent per delivery between two BackingCpu samples. */
function backingPerDelivery(start, end, deliveries) {
  const per = (key) => (deliveries > 0 ? (end[key] - start[key]) / deliveries : null);
  return { postgresCpuPerDeliveryMicros: per('postgres'), redisCpuPerDeliveryMicros: per('redis') };
}

/** What went wrong in a delivery run: anything lost, repeated, reordered, dropped or refused. */
export function deliveryProblems(result) {
  const problems = [];
  if (result.loss > 0) problems.push(`lost ${result.loss} of ${result.expected} deliveries`);
  if (result.duplicates > 0) problems.push(`${result.duplicates} duplicate deliveries`);
  if (result.disorder > 0) problems.push(`${result.disorder} deliveries out of order`);
  if (result.dropped > 0) problems.push(`${result.dropped} connections closed by the server ${JSON.stringify(result.dropCodes)}`);
  if (result.exceptions > 0) problems.push(`${result.exceptions} exception frames, first: ${JSON.stringify(result.firstException)}`);
  if (result.publishErrors > 0) problems.push(`${result.publishErrors} publishes failed, first: ${result.firstPublishError}`);
  return problems;
}

/** Figures of a round that the summary gives as the median over the rounds. */
const MEDIANS = ['cpuPerDeliveryMicros', 'postgresCpuPerDeliveryMicros', 'redisCpuPerDeliveryMicros', 'p50Ms', 'p99Ms', 'p999Ms', 'serverCpuPercent', 'clientCpuPercent', 'serverCpuStealPercent', 'publisherMaxLagMs'];
/** Counts of a round that the summary adds up, so that a problem in any round shows. */
const TOTALS = ['deliveries', 'expected', 'loss', 'duplicates', 'disorder', 'dropped', 'exceptions', 'unreadFrames', 'publishErrors', 'measuredWallS'];

/**
 * A delivery scenario run interleaved with the other servers (see runInterleaved): a warm-up
 * run of `warmupS`, then `rounds` runs on fresh connections, each with a warm-up of
 * `roundWarmupS` and `measureS` measured. Each figure is the median over the rounds.
 */
export function interleavedDeliveries(load, { warmupS, roundWarmupS, measureS, drainS, rounds }) {
  return {
    rounds,
    warmUp: (server, context) => runDeliveries(server, { ...load, warmupS, measureS: 1, drainS }, context),
    burst: (server, context) => runDeliveries(server, { ...load, warmupS: roundWarmupS, measureS, drainS }, context),
    summarize: (results) => {
      const summary = {};
      for (const key of MEDIANS) summary[key] = median(results.map((result) => result[key]));
      for (const key of TOTALS) summary[key] = results.reduce((total, result) => total + result[key], 0);
      summary.lossRate = summary.expected > 0 ? summary.loss / summary.expected : 0;
      summary.dropCodes = {};
      for (const { dropCodes } of results) {
        for (const [code, count] of Object.entries(dropCodes)) summary.dropCodes[code] = (summary.dropCodes[code] ?? 0) + count;
      }
      summary.firstException = results.find((result) => result.firstException)?.firstException ?? null;
      summary.firstPublishError = results.find((result) => result.firstPublishError)?.firstPublishError ?? null;
      summary.rounds = results;
      return summary;
    },
  };
}
