import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { eventually } from '../support/eventually.js';
import { heapUsedAfterGc, INSPECT_OPTION, residentBytes, mib } from '../support/heap-probe.js';
import { COMMANDS, hostileMembers, hostileValue, json, nestedText, objectText, PROTOTYPE_KEYS } from '../support/hostile-json.js';
import { http } from '../support/http.js';
import { expectStillRunning } from '../support/service-exit.js';
import { type ServiceInstance, startInstance } from '../support/service-instance.fixture.js';
import { SteadyPublisher } from '../support/steady-publisher.js';
import { TopicWatcher } from '../support/topic-watcher.js';
import { isJsonObject } from '../../src/notifications/json-object.js';
import { type Frame as Reply, TestClient } from '../support/ws-client.js';

const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_CAUSE_DATA_BYTES = 1024;
// 1 KiB of data plus the pattern and the keys around them.
const MAX_CAUSE_BYTES = 1229;
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const WARM_UP_RUNS = 50;
// Answers take milliseconds; a frame left unanswered this long was dropped.
const ANSWER_WITHIN_MS = 2000;
const WATCHED_TOPIC = 'fuzz-watch';
const PUBLISHES_PER_SECOND = 20;
const REPLY_OF = new Map([
  ['subscribe', 'subscribed'],
  ['unsubscribe', 'unsubscribed'],
  ['read', 'unread'],
  ['auth', 'authenticated'],
  ['ping', 'pong'],
  ['mark', 'counts'],
  ['inbox', 'inbox'],
]);
const COMMAND_CODES = ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'LIMIT_EXCEEDED'];

type Frame = { text: string } | { binary: Uint8Array };
/** What the contract says must answer a frame. */
type Expected = { close: 1009 } | { code: 'BAD_JSON' | 'UNKNOWN_EVENT'; event?: string; data?: unknown } | { command: string; data: unknown };

const text = (value: string): Frame => ({ text: value });
const envelope = (event: string, data: string): Frame => text(`{"event":${json(event)},"data":${data}}`);

function expectedAnswer(frame: Frame): Expected {
  if ('binary' in frame) return frame.binary.length > MAX_PAYLOAD_BYTES ? { close: 1009 } : { code: 'BAD_JSON' };
  if (Buffer.byteLength(frame.text) > MAX_PAYLOAD_BYTES) return { close: 1009 };
  let message: unknown;
  try {
    message = JSON.parse(frame.text);
  } catch {
    return { code: 'BAD_JSON' };
  }
  if (!isJsonObject(message) || typeof message.event !== 'string') return { code: 'BAD_JSON' };
  if (!REPLY_OF.has(message.event)) return { code: 'UNKNOWN_EVENT', event: message.event, data: message.data };
  if (!isJsonObject(message.data)) return { code: 'BAD_JSON', event: message.event, data: message.data };
  return { command: message.event, data: message.data };
}

/** Bytes of `data` as JSON; Infinity when it cannot be written (nested too deep). */
function jsonBytes(data: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? '');
  } catch {
    return Infinity;
  }
}

const value = hostileValue(60_000);
const knownEvent = fc.constantFrom(...REPLY_OF.keys());
const anyEvent = fc.oneof(knownEvent, fc.string({ maxLength: 12 }), fc.constantFrom(...PROTOTYPE_KEYS), fc.constant('x'.repeat(2000)));
const frames: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: knownEvent.chain((event) => hostileMembers(COMMANDS[event], value).map((members) => envelope(event, objectText(members)))) },
  { weight: 2, arbitrary: fc.tuple(anyEvent, value).map(([event, data]) => envelope(event, data)) },
  { weight: 1, arbitrary: value.map(text) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map(text) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((binary) => ({ binary })) },
);

/** Hostile frames from the reports that once stopped the service or slipped past validation. */
const KNOWN_HOSTILE: Frame[] = [
  envelope('x', nestedText(32_000, 'array')),
  envelope('ping', nestedText(32_000, 'array')),
  text(nestedText(32_700, 'array')),
  envelope('subscribe', `{"topic":"news","since":${nestedText(30_000, 'array')}}`),
  envelope('subscribe', `{"topic":"news","payload":${nestedText(10_000, 'object')}}`),
  envelope('subscribe', '{"constructor":1}'),
  envelope('subscribe', '{"topic":"news","hasOwnProperty":1}'),
  envelope('subscribe', '{"topic":"news","__proto__":{"topic":"user:someone-else"}}'),
  envelope('read', '{"ids":["a"],"constructor":{"prototype":{"polluted":true}}}'),
  envelope('dance', json({ blob: 'x'.repeat(60_000) })),
  envelope('auth', `{"token":${json('t'.repeat(60_000))}}`),
  envelope('ping', '{"n":1e400,"m":-0,"k":9007199254740993}'),
  envelope('read', '{"all":null}'),
  envelope('read', '{"ids":null}'),
  envelope('subscribe', '{"topic":"news","since":null}'),
  { binary: Buffer.from(json({ event: 'ping', data: {} })) },
];

/**
 * Hostile frames over a real socket against the built service on SQLite: random and hostile
 * JSON, 32k-deep nesting, edge numbers, strings up to the frame limit, binary frames, and every
 * command with extra and prototype-named keys. Each gets its contract answer, never INTERNAL; the
 * process never exits; a subscriber keeps receiving; the heap returns to where it started.
 */
describe('socket fuzz', () => {
  let dir: string;
  let service: ServiceInstance;
  let publisher: SteadyPublisher;
  let watcher: TopicWatcher;
  let fuzzer: TestClient;
  let startHeap: number;
  let startRss: number;
  let framesSent = 0;
  let unsettled = false;
  let lastFrame: Frame | undefined;

  const connectFuzzer = async (): Promise<void> => {
    try {
      fuzzer = await TestClient.connect(`${service.wsUrl}?user=fuzzer`);
      // A user's connection hears its unread count and its counts first, unasked.
      await fuzzer.next('unread');
      await fuzzer.next('counts');
    } catch (error) {
      await expectStillRunning(service, `the frame ${preview(lastFrame)}`);
      throw error;
    }
  };

  /** Sends one frame; answers what replied to it, or the close code it got (and then opens a new socket). */
  const exchange = async (frame: Frame): Promise<Reply | number> => {
    framesSent++;
    lastFrame = frame;
    if ('text' in frame) fuzzer.sendRaw(frame.text);
    else fuzzer.sendRaw(Buffer.from(frame.binary), true);
    for (;;) {
      let answer: Reply;
      try {
        answer = await fuzzer.next(undefined, ANSWER_WITHIN_MS);
      } catch (error) {
        const code = fuzzer.closeCode;
        if (code === null) throw error;
        await connectFuzzer();
        return code;
      }
      // The only frames a socket hears unasked here are notifications of topics it joined.
      if (answer.event !== 'notification') return answer;
    }
  };

  /** Sends one frame and checks its answer against the contract. */
  const checkAnswer = async (frame: Frame): Promise<void> => {
    // After a failed check its answer may still be on the way: shrinking starts on a fresh socket.
    if (unsettled) {
      fuzzer.close();
      await connectFuzzer();
    }
    unsettled = true;
    const expected = expectedAnswer(frame);
    const answer = await exchange(frame);
    if ('close' in expected) expect(answer).toBe(expected.close);
    else if (typeof answer === 'number') throw new Error(`closed with ${answer} instead of answering`);
    else answerMatches(answer, expected);
    unsettled = false;
  };

  const answerMatches = (answer: Reply, expected: Exclude<Expected, { close: 1009 }>): void => {
    if ('command' in expected && answer.event !== 'exception') {
      expect(answer.event).toBe(REPLY_OF.get(expected.command));
      return;
    }
    expect(answer.event).toBe('exception');
    const { code, cause } = answer.data;
    expect('command' in expected ? COMMAND_CODES : [expected.code]).toContain(code);
    // No command can be read from a frame that is not an {event, data} object, so there is none to echo.
    if (!('event' in expected || 'command' in expected)) return expect(cause).toBeUndefined();
    // A command refused before it was parsed (over the rate) or with unreadable data may go without one.
    if (cause === undefined) return expect(['BAD_JSON', 'RATE_LIMITED']).toContain(code);
    const event = 'command' in expected ? expected.command : expected.event!;
    expect(event.startsWith(cause.pattern)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(cause))).toBeLessThanOrEqual(MAX_CAUSE_BYTES);
    if (jsonBytes(expected.data) > MAX_CAUSE_DATA_BYTES) expect(cause).not.toHaveProperty('data');
    else if (expected.data !== undefined) expect(cause.data).toEqual(JSON.parse(JSON.stringify(expected.data)));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'socket-fuzz-'));
    service = await startInstance({
      STORE: 'sqlite',
      SQLITE_PATH: join(dir, 'notifications.db'),
      LOG_LEVEL: 'warn',
      // Every frame is to get its own answer here: the abuse limits have tests of their own (abuse.e2e-spec).
      COMMAND_RATE: '1000000',
      MAX_BAD_FRAMES: '1000000',
      NODE_OPTIONS: INSPECT_OPTION,
    });
    watcher = await TopicWatcher.start(service.wsUrl, WATCHED_TOPIC);
    publisher = new SteadyPublisher(service.baseUrl, WATCHED_TOPIC, PUBLISHES_PER_SECOND).start();
    await connectFuzzer();
    // The first frames load code paths and fill caches once; the heap is measured after them.
    // Their answers are checked by the tests below, which send the same kinds of frame.
    try {
      for (const frame of fc.sample(frames, { numRuns: WARM_UP_RUNS, seed: 1 })) await exchange(frame);
    } catch {
      await connectFuzzer();
    }
    startHeap = await heapUsedAfterGc(service);
    startRss = residentBytes(service.child.pid!);
  }, 60_000);

  afterAll(async () => {
    await publisher?.stop();
    watcher?.stop();
    fuzzer?.close();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every hostile frame with its contract code (never INTERNAL), cause bounded, socket kept', async () => {
    await fc.assert(fc.asyncProperty(frames, checkAnswer), {
      numRuns: RUNS,
      examples: KNOWN_HOSTILE.map((frame) => [frame]),
      // Shrinking a failure against a live service is slow: a bounded search still names a small frame.
      interruptAfterTimeLimit: 180_000,
      markInterruptAsFailure: true,
    });
    expect((await fuzzer.request('ping', {}, 'pong')).event).toBe('pong');
  }, 240_000);

  it('kept delivering every acknowledged notification to a subscriber, once each', async () => {
    await publisher.stop();
    expect(publisher.refused).toEqual([]);
    expect(publisher.acked.length).toBeGreaterThan(0);
    await watcher.received(publisher.acked);
    expect(watcher.duplicates).toBe(0);
    expect(watcher.reconnects).toEqual([]);
  });

  it('never exited, and its heap after GC is back within 10% of where it started', async () => {
    fuzzer.close();
    await eventually(() => expect(fuzzer.closeCode).not.toBeNull(), 'the fuzzing socket to close');
    const endHeap = await heapUsedAfterGc(service);
    const endRss = residentBytes(service.child.pid!);
    console.log(
      `socket fuzz: ${framesSent} hostile frames (${KNOWN_HOSTILE.length} known, the rest random), ` +
        `${publisher.acked.length} notifications at ${PUBLISHES_PER_SECOND}/s, lost 0; ` +
        `heap after GC ${mib(startHeap)} -> ${mib(endHeap)} MiB, RSS ${mib(startRss)} -> ${mib(endRss)} MiB`,
    );
    expect(service.child.exitCode).toBeNull();
    expect((await http(service.baseUrl, 'GET', '/health/live')).status).toBe(200);
    expect(endHeap).toBeLessThanOrEqual(startHeap * 1.1);
  });
});

const preview = (frame: Frame | undefined): string => {
  const shown = frame === undefined ? 'none' : 'text' in frame ? frame.text : `binary ${Buffer.from(frame.binary).toString('hex')}`;
  return shown.length > 300 ? `${shown.slice(0, 300)}... (${shown.length} characters)` : shown;
};
