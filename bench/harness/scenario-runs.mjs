import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerUnderTest } from './server-process.mjs';
import { serverTarget } from './targets.mjs';

const SERVER_FD_HEADROOM = 1000;
const log = (line) => console.error(line);

/** Starts one server for a scenario (with a SQLite file of its own when the scenario stores). */
async function start(scenario, name, pinning) {
  const dataDir = scenario.sqlite ? mkdtempSync(join(tmpdir(), 'bench-sqlite-')) : null;
  const stop = async (server) => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const target = serverTarget(name, { sqlitePath: dataDir && join(dataDir, 'bench.sqlite') });
    const server = await ServerUnderTest.start(target, { cpu: pinning.server, openFiles: scenario.connections + SERVER_FD_HEADROOM });
    return { server, stop: () => stop(server) };
  } catch (error) {
    await stop(null);
    throw error;
  }
}

function outcomeOf(scenario, name, result) {
  const outcome = { ...result, problems: scenario.problems(result) };
  const shown = scenario.metrics.map((m) => `${m.label} ${result[m.key]?.toFixed?.(m.digits) ?? result[m.key]}`);
  log(`  ${name}: ${shown.join(', ')}${outcome.problems.length ? `; problems: ${outcome.problems.join('; ')}` : ''}`);
  return outcome;
}

function failure(name, error, server) {
  const serverOutput = server && !error.message.includes(server.proc.output()) ? server.proc.output() : '';
  log(`  ${name} failed: ${error.message}${serverOutput}`);
  return { error: error.message };
}

/** A run whose server CPU lost more than this share of its wall time to other guests is run again. */
const STEAL_LIMIT_PERCENT = 2;
const MAX_ATTEMPTS = 3;

async function runOnce(scenario, name, context) {
  let started = null;
  try {
    started = await start(scenario, name, context.pinning);
    return outcomeOf(scenario, name, await scenario.run(started.server, context));
  } catch (error) {
    return failure(name, error, started?.server);
  } finally {
    await started?.stop();
  }
}

/**
 * One server after the other, each alone for its whole run: `scenario.run(server)`. A run that
 * reports more than STEAL_LIMIT_PERCENT steal on the server CPU is repeated on a fresh server,
 * up to MAX_ATTEMPTS runs; the one with the least steal is kept, and the problems of every run count.
 */
export async function runInTurn(scenario, names, context) {
  const outcomes = {};
  for (const name of names) {
    const attempts = [];
    let kept = null;
    while (attempts.length < MAX_ATTEMPTS && !(kept && !(kept.serverCpuStealPercent > STEAL_LIMIT_PERCENT))) {
      const again = kept ? ` again (${kept.serverCpuStealPercent.toFixed(1)}% steal)` : '';
      log(`${scenario.id} · ${name}${again} …`);
      const outcome = await runOnce(scenario, name, context);
      attempts.push(outcome);
      if (outcome.error) break;
      if (!kept || outcome.serverCpuStealPercent < kept.serverCpuStealPercent) kept = outcome;
    }
    const last = attempts[attempts.length - 1];
    if (last.error) {
      outcomes[name] = last;
      continue;
    }
    const discarded = attempts.filter((attempt) => attempt !== kept);
    outcomes[name] = {
      ...kept,
      problems: [...kept.problems, ...discarded.flatMap((attempt) => attempt.problems.map((problem) => `in a repeated run: ${problem}`))],
      attempts: attempts.length,
      stealOfRepeatedRuns: discarded.map((attempt) => attempt.serverCpuStealPercent),
    };
  }
  return outcomes;
}

/**
 * Every server at once, taking `scenario.rounds` bursts in turn (the order reversed every
 * other round); `scenario.summarize` makes one result of each server's bursts. A server that
 * fails drops out; the others go on.
 */
export async function runInterleaved(scenario, names, context) {
  log(`${scenario.id} · ${names.join(', ')}, interleaved over ${scenario.rounds} rounds …`);
  const outcomes = {};
  const running = new Map();
  try {
    for (const name of names) {
      try {
        const started = await start(scenario, name, context.pinning);
        running.set(name, { ...started, bursts: [] });
        await scenario.warmUp(started.server, context);
      } catch (error) {
        outcomes[name] = failure(name, error, running.get(name)?.server);
        await running.get(name)?.stop();
        running.delete(name);
      }
    }
    for (let round = 0; round < scenario.rounds; round++) {
      const order = [...running.keys()];
      if (round % 2) order.reverse();
      for (const name of order) {
        const entry = running.get(name);
        try {
          entry.bursts.push(await scenario.burst(entry.server, context));
        } catch (error) {
          outcomes[name] = failure(name, error, entry.server);
          await entry.stop();
          running.delete(name);
        }
      }
    }
    for (const [name, entry] of running) outcomes[name] = outcomeOf(scenario, name, scenario.summarize(entry.bursts));
  } finally {
    for (const entry of running.values()) await entry.stop();
  }
  return outcomes;
}
