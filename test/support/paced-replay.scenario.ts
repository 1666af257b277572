import { readFileSync } from 'node:fs';
import { freePort, runService, waitForPort } from './built-service.js';
import { http } from './http.js';
import { throttleReading } from './read-throttle.js';
import { type Frame, TestClient } from './ws-client.js';

export interface PacedReplaySettings {
  /** Notifications missed, all replayed (MAX_REPLAY is set to this). */
  count: number;
  payloadBytes: number;
  /** How fast the client reads. */
  readBytesPerSecond: number;
  maxBufferedBytes: number;
}

export interface PacedReplayOutcome {
  subscribed: Frame | null;
  /** Ids received, in arrival order. */
  received: string[];
  /** Ids published after `since`, in order. */
  published: string[];
  /** The client's close code, null when it was not closed. */
  closeCode: number | null;
  /** Bytes the client read from its socket during the replay. */
  bytesRead: number;
  /** Peak resident memory of the service during the replay, minus what it was before. */
  rssGrowthBytes: number;
  durationMs: number;
}

/** Resident memory of a process, from /proc (Linux). */
const residentBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * Runs the built service in a child process (so its memory is its own), stores `count`
 * notifications of `payloadBytes` in one topic, then has a client that reads at
 * `readBytesPerSecond` recover them with `subscribe {since}`, sampling the service's RSS.
 */
export async function runPacedReplay(settings: PacedReplaySettings): Promise<PacedReplayOutcome> {
  const port = await freePort();
  const service = runService({
    PORT: String(port),
    STORE: 'memory',
    HISTORY_LIMIT: String(settings.count + 1),
    MAX_REPLAY: String(settings.count),
    MAX_BUFFERED_BYTES: String(settings.maxBufferedBytes),
    LOG_LEVEL: 'warn',
  });
  const died = service.exited.then((code) => Promise.reject(new Error(`service exited with ${code}:\n${service.output()}`)));
  try {
    await Promise.race([waitForPort(port), died]);
    const baseUrl = `http://127.0.0.1:${port}`;
    const topic = 'paced-replay';
    const publish = async (payload: Record<string, unknown>): Promise<string> =>
      (await http(baseUrl, 'POST', '/notifications', { type: 'bulk', topic, payload })).body.notifications[0].id;
    const since = await publish({});
    const blob = 'x'.repeat(settings.payloadBytes);
    const published: string[] = [];
    for (let i = 0; i < settings.count; i++) published.push(await publish({ blob }));

    const pid = service.child.pid!;
    const before = residentBytes(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), 50);
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    const throttle = throttleReading(client.socket, settings.readBytesPerSecond);
    const started = performance.now();
    client.send('subscribe', { topic, since });
    const received: string[] = [];
    let subscribed: Frame | null = null;
    try {
      subscribed = await client.next('subscribed', 10_000);
      while (received.length < settings.count) received.push((await client.next('notification', 10_000)).data.id);
    } catch {
      // Closed or stalled: the outcome says how far it got.
    }
    const durationMs = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, residentBytes(pid));
    throttle.stop();
    client.close();
    return {
      subscribed,
      received,
      published,
      closeCode: client.closeCode,
      bytesRead: throttle.bytesRead,
      rssGrowthBytes: peak - before,
      durationMs,
    };
  } finally {
    died.catch(() => undefined);
    service.child.kill('SIGTERM');
    await service.exited;
  }
}
