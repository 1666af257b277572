// The open-loop publisher process: POST /notifications at a fixed rate from a fixed schedule,
// pipelined on one connection so that the server receives them in `seq` order. Each payload
// carries its scheduled time, so a slow server shows up as latency, never as a slower clock.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PipelinedHttpClient } from './pipelined-http.mjs';

const ANSWERS_TIMEOUT_MS = 30000;
const nowMs = () => performance.timeOrigin + performance.now();

/** A small seeded generator (mulberry32), so every server gets the same sequence of users. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends one notification; answers null when it was accepted (202), else what went wrong. */
async function post(client, body) {
  try {
    const { status, body: answer } = await client.post('/notifications', body);
    return status === 202 ? null : `HTTP ${status}: ${answer.slice(0, 300)}`;
  } catch (error) {
    return error.message;
  }
}

/**
 * Publishes `rate` notifications a second from `startAt` (epoch ms) for warmupS + measureS
 * seconds, to `topic`, or each to one random user of `users` with a per-user sequence; `url`
 * may list several instances, which take the publishes in turn.
 */
async function run({ url, startAt, warmupS, measureS, rate, topic, users }) {
  // Several instances take the publishes in turn, each on its own pipelined connection.
  const clients = (Array.isArray(url) ? url : [url]).map((base) => new PipelinedHttpClient(base));
  const interval = 1000 / rate;
  const total = Math.round((warmupS + measureS) * rate);
  const measureFrom = Math.round(warmupS * rate);
  const random = seededRandom(42);
  const userSeq = new Map();
  const report = { kind: 'done', sent: { warmup: 0, measured: 0 }, errors: 0, firstError: null, maxLagMs: 0 };
  const inFlight = new Set();
  let index = 0;

  const publish = (i) => {
    const scheduled = startAt + i * interval;
    const m = i >= measureFrom ? 1 : 0;
    let body;
    if (users) {
      const user = users[Math.floor(random() * users.length)];
      const seq = userSeq.get(user) ?? 0;
      userSeq.set(user, seq + 1);
      body = { type: 'bench.personal', payload: { seq, t: scheduled, m }, userIds: [user] };
    } else {
      body = { type: 'bench.fanout', payload: { seq: i, t: scheduled, m }, topic };
    }
    report.sent[m ? 'measured' : 'warmup']++;
    report.maxLagMs = Math.max(report.maxLagMs, nowMs() - scheduled);
    const pending = post(clients[i % clients.length], body).then((error) => {
      inFlight.delete(pending);
      if (error === null) return;
      report.errors++;
      report.firstError ??= error;
    });
    inFlight.add(pending);
  };

  await new Promise((resolve) => {
    const tick = () => {
      const now = nowMs();
      while (index < total && startAt + index * interval <= now) publish(index++);
      if (index < total) setTimeout(tick, Math.max(0, startAt + index * interval - nowMs()));
      else resolve();
    };
    tick();
  });
  await Promise.race([Promise.all([...inFlight]), sleep(ANSWERS_TIMEOUT_MS)]);
  if (inFlight.size > 0) {
    report.errors += inFlight.size;
    report.firstError ??= `${inFlight.size} publishes unanswered after ${ANSWERS_TIMEOUT_MS} ms`;
  }
  for (const client of clients) client.close();
  return report;
}

process.on('message', async (message) => {
  if (message.cmd === 'run') process.send(await run(message));
});
process.on('disconnect', () => process.exit(0));
