import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GROUP_TITLES = {
  realtime: 'Realtime: the service against raw `ws` baselines',
  ingest: 'REST ingest: the service against `node:http` + better-sqlite3',
  storm: 'Reconnect storm: a deploy of one instance (SIGTERM, a new instance on the same port), the service against raw `ws`',
  scaleout: 'Scale-out (STORE=postgres BROKER=redis): the service against `node:http` + pg + ioredis + preframed `ws`',
};

function formatValue(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The cell of one server for one metric: the figure, or why there is none. */
function cell(outcome, metric) {
  if (!outcome) return 'not run';
  if (outcome.error) return 'failed';
  const text = formatValue(outcome[metric.key], metric.digits);
  if (metric.key === 'loss' && outcome.loss > 0) return `${text} (${(outcome.lossRate * 100).toFixed(2)} %)`;
  return text;
}

function ratio(service, baseline, metric) {
  if (!metric.ratio || !service || !baseline || service.error || baseline.error) return '—';
  const a = service[metric.key];
  const b = baseline[metric.key];
  if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

function groupTable(runs) {
  const baselines = runs[0].scenario.targets.filter((name) => name !== 'service');
  const header = ['scenario', 'metric', 'service', ...baselines, ...baselines.map((name) => `service ÷ ${name}`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const { scenario, outcomes } of runs) {
    scenario.metrics.forEach((metric, index) => {
      const row = [
        index === 0 ? scenario.title : '',
        metric.label,
        cell(outcomes.service, metric),
        ...baselines.map((name) => cell(outcomes[name], metric)),
        ...baselines.map((name) => ratio(outcomes.service, outcomes[name], metric)),
      ];
      lines.push(`| ${row.join(' | ')} |`);
    });
  }
  return lines.join('\n');
}

/**
 * The markdown report: one table per group of scenarios (rows: scenario and metric; columns:
 * the service, each baseline, the ratios), then the conditions and every problem seen.
 */
export function markdownReport({ mode, environment, runs }) {
  const parts = [`# Benchmark results (${mode})`, '', conditions(environment), ''];
  for (const group of Object.keys(GROUP_TITLES)) {
    const inGroup = runs.filter((run) => run.scenario.group === group);
    if (inGroup.length === 0) continue;
    parts.push(`## ${GROUP_TITLES[group]}`, '', groupTable(inGroup), '');
  }
  const problems = runs.flatMap(({ scenario, outcomes }) =>
    Object.entries(outcomes).flatMap(([name, outcome]) =>
      outcome.error ? [`${scenario.title}, ${name}: failed: ${outcome.error.split('\n')[0]}`] : outcome.problems.map((p) => `${scenario.title}, ${name}: ${p}`),
    ),
  );
  parts.push('## Problems', '', problems.length ? problems.map((p) => `- ${p}`).join('\n') : 'None: no loss, duplicate, disorder, drop or error.', '');
  return parts.join('\n');
}

function conditions(env) {
  const pinning =
    env.pinning.server === null ? 'not pinned' : `server on CPU ${env.pinning.server}, every client process on CPU ${env.pinning.client}`;
  return [
    `${env.startedAt}; Node ${env.node}; ${env.cpuModel} (${env.cpus} CPUs); ${pinning}.`,
    `Load average at start ${env.loadStart.join(' / ')}, at end ${env.loadEnd.join(' / ')}: other processes share these CPUs, which shows in latency more than in CPU time per delivery.`,
    env.pinning.note ? `Note: ${env.pinning.note}.` : null,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Writes one JSON per scenario and the markdown report into `dir`. */
export function writeResults(dir, report, markdown) {
  mkdirSync(dir, { recursive: true });
  for (const { scenario, outcomes } of report.runs) {
    // The scenario's functions are left out: JSON cannot hold them.
    const { run: _run, problems: _problems, metrics: _metrics, warmUp: _warmUp, burst: _burst, summarize: _summarize, ...description } = scenario;
    const json = { mode: report.mode, environment: report.environment, scenario: description, outcomes };
    writeFileSync(join(dir, `${scenario.id}.json`), `${JSON.stringify(json, null, 2)}\n`);
  }
  writeFileSync(join(dir, 'latest.md'), markdown);
}
