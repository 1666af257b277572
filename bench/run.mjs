// npm run bench [-- --smoke] [--only fanout,idle] [--servers naive,preframed] [--server-cpu N --client-cpu N]
// Starts every server under test pinned to one CPU, drives it from client processes pinned to
// another, prints a markdown table and writes bench/results/. Exits 1 when a run failed (and,
// with --smoke, when anything was lost, repeated, reordered or refused).
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { killAllNow, stopAll } from './harness/child-processes.mjs';
import { choosePinning, pinSelf } from './harness/cpu-pinning.mjs';
import { markdownReport, writeResults } from './harness/report.mjs';
import { runInterleaved, runInTurn } from './harness/scenario-runs.mjs';
import { scenarioPlan } from './scenarios/plan.mjs';

const { values: options } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    servers: { type: 'string' },
    'server-cpu': { type: 'string' },
    'client-cpu': { type: 'string' },
  },
});
const list = (value) => (value ? value.split(',').map((item) => item.trim()).filter(Boolean) : null);
const only = list(options.only);
const servers = list(options.servers);

const interrupt = async (signal) => {
  console.error(`\n${signal}: stopping every process the benchmark started`);
  await stopAll();
  process.exit(130);
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
process.on('exit', killAllNow);

const log = (line) => console.error(line);
const round = (values) => values.map((value) => value.toFixed(2));

async function main() {
  const pinning = choosePinning({
    serverCpu: options['server-cpu'] === undefined ? undefined : Number(options['server-cpu']),
    clientCpu: options['client-cpu'] === undefined ? undefined : Number(options['client-cpu']),
  });
  pinSelf(pinning.client);
  if (pinning.note) log(`note: ${pinning.note}`);
  const mode = options.smoke ? 'smoke' : 'full';
  const plan = scenarioPlan(options.smoke);
  const scenarios = plan.scenarios.filter((s) => !only || only.some((prefix) => s.id.startsWith(prefix)));
  const environment = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown CPU',
    cpus: cpus().length,
    pinning,
    loadStart: round(loadavg()),
  };
  const runs = [];
  let failed = false;
  for (const scenario of scenarios) {
    const names = scenario.targets.filter((target) => !servers || servers.includes(target));
    const context = { pinning, perProcess: plan.perProcess };
    const outcomes = scenario.rounds ? await runInterleaved(scenario, names, context) : await runInTurn(scenario, names, context);
    for (const outcome of Object.values(outcomes)) {
      if (outcome.error || (options.smoke && outcome.problems.length)) failed = true;
    }
    runs.push({ scenario, outcomes });
  }
  environment.loadEnd = round(loadavg());
  const report = { mode, environment, runs };
  const markdown = markdownReport(report);
  const dir = fileURLToPath(new URL(options.smoke ? './results/smoke/' : './results/', import.meta.url));
  writeResults(dir, report, markdown);
  process.stdout.write(`${markdown}\n`);
  log(`results written to ${dir}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error) => {
    console.error(error);
    await stopAll();
    process.exitCode = 1;
  },
);
