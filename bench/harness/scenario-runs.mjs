import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerUnderTest } from './server-process.mjs';
import { serverTarget } from './targets.mjs';

const SERVER_FD_HEADROOM = 1000;
const log = (line) => console.error(line);

/** Starts one server for a scenario (with a SQLite file of its own when the scenario stores), or what the scenario's own `start` starts. */
async function start(scenario, name, pinning) {
  if (scenario.start) return scenario.start(name, { pinning, openFiles: scenario.connections + SERVER_FD_HEADROOM });
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

function outcomeOf(scenario, name, result, earlierProblems = []) {
  const outcome = { ...result, problems: [...earlierProblems, ...scenario.problems(result)] };
  const shown = scenario.metrics.map((m) => `${m.label} ${result[m.key]?.toFixed?.(m.digits) ?? result[m.key]}`);
  log(`  ${name}: ${shown.join(', ')}${outcome.problems.length ? `; problems: ${outcome.problems.join('; ')}` : ''}`);
  return outcome;
}

function failure(name, error, server) {
  const serverOutput = server && !error.message.includes(server.proc.output()) ? server.proc.output() : '';
  log(`  ${name} failed: ${error.message}${serverOutput}`);
  return { error: error.message };
}

/** One server after the other, each alone for its whole run: `scenario.run(server)`. */
export async function runInTurn(scenario, names, context) {
  const outcomes = {};
  for (const name of names) {
    log(`${scenario.id} · ${name} …`);
    let started = null;
    try {
      started = await start(scenario, name, context.pinning);
      outcomes[name] = outcomeOf(scenario, name, await scenario.run(started.server, context));
    } catch (error) {
      outcomes[name] = failure(name, error, started?.server);
    } finally {
      await started?.stop();
    }
  }
  return outcomes;
}

/**
 * Every server at once, taking `scenario.rounds` bursts in turn (the order reversed every
 * other round); `scenario.summarize` makes one result of each server's bursts. The warm-up's
 * figures are dropped, its problems reported. A server that fails drops out; the others go on.
 */
export async function runInterleaved(scenario, names, context) {
  log(`${scenario.id} · ${names.join(', ')}, interleaved over ${scenario.rounds} rounds …`);
  const outcomes = {};
  const running = new Map();
  try {
    for (const name of names) {
      try {
        const started = await start(scenario, name, context.pinning);
        const entry = { ...started, bursts: [], warmUpProblems: [] };
        running.set(name, entry);
        const warmUp = await scenario.warmUp(started.server, context);
        entry.warmUpProblems = scenario.problems(warmUp).map((problem) => `in the warm-up: ${problem}`);
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
    for (const [name, entry] of running) outcomes[name] = outcomeOf(scenario, name, scenario.summarize(entry.bursts), entry.warmUpProblems);
  } finally {
    for (const entry of running.values()) await entry.stop();
  }
  return outcomes;
}
