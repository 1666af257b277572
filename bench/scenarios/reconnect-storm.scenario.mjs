import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchProcess } from '../harness/child-processes.mjs';
import { pinnedCommand } from '../harness/cpu-pinning.mjs';
import { withOpenFiles } from '../harness/open-files.mjs';
import { median } from '../harness/median.mjs';
import { cpuMicros } from '../harness/proc-stats.mjs';
import { ServerUnderTest } from '../harness/server-process.mjs';
import { serverTarget } from '../harness/targets.mjs';
import { RetryingStream } from '../client/retrying-stream.mjs';

const STORM_CLIENT = fileURLToPath(new URL('../client/storm-client.mjs', import.meta.url));
const RECOVERY_TIMEOUT_MS = 120000;
const HANDSHAKES_PER_PAUSE = 64;

/**
 * A server that a deploy replaces: `restart()` sends SIGTERM, waits for the process to end and
 * starts a new one on the same port (and, for the service, the same SQLite file).
 */
class RestartableServer {
  static async start(name, { pinning, openFiles }) {
    const dataDir = name === 'service' ? mkdtempSync(join(tmpdir(), 'bench-storm-')) : null;
    const target = serverTarget(name, { sqlitePath: dataDir && join(dataDir, 'bench.sqlite') });
    const placement = { cpu: pinning.server, openFiles };
    let current;
    try {
      current = await ServerUnderTest.start(target, placement);
    } catch (error) {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    const server = new RestartableServer(target, placement, current);
    // What starting costs before any client connects, taken off the new instance's CPU.
    server.startupCpu = cpuMicros(current.pid);
    return {
      server,
      stop: async () => {
        await server.current.stop();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }

  constructor(target, placement, current) {
    this.target = target;
    this.placement = placement;
    this.current = current;
    this.name = target.name;
  }

  get url() {
    return this.current.url;
  }

  get wsUrl() {
    return this.current.wsUrl;
  }

  get pid() {
    return this.current.pid;
  }

  get proc() {
    return this.current.proc;
  }

  assertRunning() {
    this.current.assertRunning();
  }

  /** SIGTERM, then a new process on the same port; resolves once it answers HTTP. */
  async restart() {
    const { port } = this.current;
    await this.current.stop();
    this.stoppedAt = Date.now();
    this.current = await ServerUnderTest.start(this.target, { ...this.placement, port });
  }
}

/** Asks every storm-client process the same thing; answers their replies. */
const askAll = (processes, message, kind, timeoutMs = 30000) => Promise.all(processes.map((proc) => proc.ask(message, kind, timeoutMs)));

function quantileMs(sortedMs, q) {
  if (sortedMs.length === 0) return null;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil(q * sortedMs.length) - 1)];
}

/**
 * One deploy under the clients: SIGTERM, a new instance on the same port, and every client back.
 * `stopStream` (the last deploy only) ends the stream once they are back, so that what each
 * client missed can be counted.
 */
async function deploy(server, processes, clients, settleS, stopStream) {
  const stormAt = Date.now();
  await askAll(processes, { cmd: 'storm', at: stormAt }, 'storming');
  await server.restart();
  const readyAt = Date.now();
  let allBackAt = null;
  while (Date.now() - stormAt < RECOVERY_TIMEOUT_MS) {
    const statuses = await askAll(processes, { cmd: 'status' }, 'status');
    if (statuses.reduce((sum, s) => sum + s.liveAgain, 0) === clients) {
      allBackAt = Date.now();
      break;
    }
    await sleep(50);
  }
  const cpu = cpuMicros(server.pid) - server.startupCpu;
  await sleep(settleS * 1000);
  const finalSeqs = stopStream ? await stopStream() : null;
  if (stopStream) await sleep(2000);
  server.assertRunning();
  const reports = await askAll(processes, { cmd: 'report', finalSeqs, readyAt }, 'report', 60000);
  const liveAgainMs = reports.flatMap((report) => report.liveAgainMs).sort((a, b) => a - b);
  const sum = (key) => reports.reduce((total, report) => total + report[key], 0);
  const merge = (key) => {
    const table = {};
    for (const report of reports) for (const [code, n] of Object.entries(report[key])) table[code] = (table[code] ?? 0) + n;
    return table;
  };
  const closeCodes = merge('closeCodes');
  const knockedMs = reports.flatMap((report) => report.knockedMs).sort((a, b) => a - b);
  const attemptsPerClient = reports.flatMap((report) => report.attemptsPerClient).sort((a, b) => a - b);
  const slowest = reports.map((report) => report.slowest).reduce((last, client) => (client && (!last || client.liveMs > last.liveMs) ? client : last), null);
  return {
    stopMs: server.stoppedAt - stormAt,
    listenMs: server.current.listeningAt - stormAt,
    restartMs: readyAt - stormAt,
    // When the attempt that brought the last client back began: far before 100% live, the server was the wait; close to it, the backoff.
    lastKnockMs: knockedMs.at(-1) ?? null,
    live50Ms: quantileMs(liveAgainMs, 0.5),
    live99Ms: quantileMs(liveAgainMs, 0.99),
    live100Ms: liveAgainMs.length === clients ? liveAgainMs[liveAgainMs.length - 1] : null,
    allBackMs: allBackAt === null ? null : allBackAt - stormAt,
    cpuPerReconnectMicros: liveAgainMs.length > 0 ? cpu / liveAgainMs.length : null,
    startupCpuMicros: server.startupCpu,
    notLive: sum('notLive'),
    missed: finalSeqs ? sum('missed') : null,
    clientsMissing: finalSeqs ? sum('clientsMissing') : null,
    duplicates: sum('duplicates'),
    refused: Object.values(merge('refusedStatus')).reduce((a, b) => a + b, 0),
    refusedStatus: merge('refusedStatus'),
    // The old instance refuses handshakes (503) from SIGTERM until it exits: clients retry, as they would any down server.
    refusedWhileStopping: merge('refusedWhileStopping'),
    closedTooSlow: closeCodes['4008'] ?? 0,
    closeCodes,
    wronglyUnrecovered: sum('wronglyUnrecovered'),
    exceptions: sum('exceptions'),
    firstException: reports.find((report) => report.firstException)?.firstException ?? null,
    connectAttempts: sum('attempts'),
    // Every way an attempt after SIGTERM ended before the client was back, and how many attempts each needed.
    failures: merge('outcomes'),
    attempts50: quantileMs(attemptsPerClient, 0.5),
    attempts99: quantileMs(attemptsPerClient, 0.99),
    attemptsMax: attemptsPerClient.at(-1) ?? null,
    slowestClient: slowest,
  };
}

/** Figures of a deploy that the summary gives as the median over the deploys. */
const MEDIANS = ['stopMs', 'listenMs', 'restartMs', 'lastKnockMs', 'live50Ms', 'live99Ms', 'allBackMs', 'cpuPerReconnectMicros', 'attempts50', 'attempts99'];
/** Counts of a deploy that the summary adds up, so that a problem in any deploy shows. */
const TOTALS = ['notLive', 'duplicates', 'refused', 'closedTooSlow', 'wronglyUnrecovered', 'exceptions', 'connectAttempts'];

/** One result of every deploy: medians, totals, the slowest, and each deploy as it went. */
function summarizeStorms(results, keepsHistory) {
  const summary = {};
  for (const key of MEDIANS) summary[key] = median(results.map((result) => result[key]));
  for (const key of TOTALS) summary[key] = results.reduce((total, result) => total + result[key], 0);
  // A deploy with anyone left behind has no 100% time: the summary has none either.
  summary.live100Ms = results.some((result) => result.live100Ms === null) ? null : median(results.map((result) => result.live100Ms));
  summary.attemptsMax = Math.max(...results.map((result) => result.attemptsMax ?? 0));
  const last = results.at(-1);
  summary.missed = keepsHistory ? last.missed : null;
  summary.clientsMissing = keepsHistory ? last.clientsMissing : null;
  summary.firstException = results.find((result) => result.firstException)?.firstException ?? null;
  summary.storms = results;
  return summary;
}

/**
 * `storms` deploys in a row under `clients` connections subscribed to `topics` topics while a
 * stream of `rate` notifications a second runs (see deploy). Measured per deploy: the time from
 * SIGTERM until 50%, 99% and 100% are live again (subscribed and replayed), the new instance's
 * CPU per reconnect (all it used until every client was back, less what the first instance used
 * to start) and every refusal; after the last, what each client missed of the whole stream.
 */
async function runStorm(server, { clients, topics, rate, perProcess, settleS, storms }, { pinning }) {
  const keepsHistory = server.name === 'service';
  const processCount = Math.ceil(clients / perProcess);
  const share = Math.ceil(clients / processCount);
  const processes = Array.from(
    { length: processCount },
    (_, i) => new BenchProcess(`storm-client-${i}`, withOpenFiles(share + 100, pinnedCommand(pinning.client, [process.execPath, STORM_CLIENT])), process.env),
  );
  const stream = new RetryingStream({ url: () => server.url, topics: Array.from({ length: topics }, (_, i) => `storm.t${i}`), rate });
  try {
    const live = await Promise.all(
      processes.map((proc, i) =>
        proc.ask(
          { cmd: 'open', url: server.wsUrl, from: i * share, count: Math.max(0, Math.min(share, clients - i * share)), topics, keepsHistory, concurrency: HANDSHAKES_PER_PAUSE },
          'opened',
          90000,
        ),
      ),
    );
    const liveBefore = live.reduce((sum, reply) => sum + reply.live, 0);
    if (liveBefore < clients) throw new Error(`only ${liveBefore} of ${clients} clients connected before the storm`);
    stream.start();
    // Every client has a `since` to come back with.
    const cursorDeadline = Date.now() + 60000;
    for (;;) {
      const statuses = await askAll(processes, { cmd: 'status' }, 'status');
      if (statuses.reduce((sum, s) => sum + s.withCursor, 0) === clients) break;
      if (Date.now() > cursorDeadline) throw new Error('clients received no notification within 60 s');
      await sleep(200);
    }
    await sleep(settleS * 1000);

    const results = [];
    for (let storm = 1; storm <= storms; storm++) {
      // The stream runs through every deploy; after the last it stops, and every client must hold all of it.
      const last = storm === storms;
      results.push(await deploy(server, processes, clients, settleS, last ? () => stream.stop() : null));
    }
    const summary = summarizeStorms(results, keepsHistory);
    return { ...summary, published: stream.accepted, publishRetries: stream.retries };
  } finally {
    await stream.stop().catch(() => undefined);
    for (const proc of processes) if (!proc.exitInfo) proc.child.send({ cmd: 'close' });
    await Promise.all(processes.map((proc) => proc.stop()));
  }
}

/**
 * Reconnect storm: `storms` deploys of one instance under `clients` connections (see runStorm),
 * the service on SQLite against the `preframed` raw `ws` baseline, which only takes the
 * handshakes and subscribes (no identity, history or replay). One server after the other; each
 * figure is the median over its deploys, each problem counted in any of them.
 */
export function reconnectStormScenario({ clients, topics, rate, perProcess, settleS, storms }) {
  return {
    id: `reconnect-storm-${clients}`,
    title: `reconnect storm: ${clients.toLocaleString('en')} clients, ${rate}/s over ${topics} topics, median of ${storms} deploys`,
    group: 'storm',
    targets: ['service', 'preframed'],
    config: { clients, topics, rate, perProcess, settleS, storms },
    connections: clients,
    start: (name, placement) => RestartableServer.start(name, placement),
    metrics: [
      { key: 'stopMs', label: 'SIGTERM until the old instance exited, ms', digits: 0, ratio: true },
      { key: 'listenMs', label: 'SIGTERM until the new instance listens, ms', digits: 0, ratio: true },
      { key: 'restartMs', label: 'SIGTERM until the new instance answers, ms', digits: 0, ratio: true },
      { key: 'lastKnockMs', label: 'last client knocked, ms after SIGTERM', digits: 0, ratio: true },
      { key: 'live50Ms', label: '50% live again, ms after SIGTERM', digits: 0, ratio: true },
      { key: 'live99Ms', label: '99% live again, ms', digits: 0, ratio: true },
      { key: 'live100Ms', label: '100% live again, ms', digits: 0, ratio: true },
      { key: 'cpuPerReconnectMicros', label: 'server CPU µs / reconnect', digits: 1, ratio: true },
      { key: 'missed', label: 'notifications missed', digits: 0 },
      { key: 'refused', label: 'handshakes the new instance refused', digits: 0 },
      { key: 'closedTooSlow', label: 'closed 4008', digits: 0 },
      { key: 'wronglyUnrecovered', label: 'wrongly recovered: false', digits: 0 },
    ],
    run: (server, context) => runStorm(server, { clients, topics, rate, perProcess, settleS, storms }, context),
    problems: (result) => {
      const problems = [];
      if (result.notLive > 0 || result.live100Ms === null) problems.push(`${result.notLive} clients not live again within ${RECOVERY_TIMEOUT_MS} ms`);
      if (result.missed > 0) problems.push(`${result.clientsMissing} clients missed ${result.missed} notifications`);
      if (result.duplicates > 0) problems.push(`${result.duplicates} duplicate notifications`);
      if (result.refused > 0) problems.push(`${result.refused} handshakes refused ${JSON.stringify(result.refusedStatus)}`);
      if (result.closedTooSlow > 0) problems.push(`${result.closedTooSlow} connections closed 4008`);
      if (result.wronglyUnrecovered > 0) problems.push(`${result.wronglyUnrecovered} subscribes answered recovered: false with the history there`);
      if (result.exceptions > 0) problems.push(`${result.exceptions} exception frames, first: ${JSON.stringify(result.firstException)}`);
      return problems;
    },
  };
}
