import { isUtf8 } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { eventually } from '../support/eventually.js';
import { heapUsedAfterGc, INSPECT_OPTION, residentBytes, mib } from '../support/heap-probe.js';
import { http } from '../support/http.js';
import { encodeFrame, type FrameSpec, Opcode, RawWebSocket } from '../support/raw-websocket.js';
import { expectStillRunning } from '../support/service-exit.js';
import { type ServiceInstance, startInstance } from '../support/service-instance.fixture.js';
import { SteadyPublisher } from '../support/steady-publisher.js';
import { TopicWatcher } from '../support/topic-watcher.js';

const HEARTBEAT_MS = 500;
const MAX_PAYLOAD_BYTES = 64 * 1024;
// ws refuses a message of more fragments than this (its server default) with 1008.
const MAX_FRAGMENTS = 16_384;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const WATCHED_TOPIC = 'raw-watch';
const PUBLISHES_PER_SECOND = 20;
const PROBE = Buffer.from('still-there');

const text = (value: string): Buffer => Buffer.from(value);

/** Malformed frames, each with the close code RFC 6455 and ws give it. */
const MALFORMED: Array<[string, number, Buffer]> = [
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode): [string, number, Buffer] => [`reserved opcode 0x${opcode.toString(16)}`, 1002, encodeFrame({ opcode, payload: text('x') })]),
  ['text that is not UTF-8', 1007, encodeFrame({ opcode: Opcode.TEXT, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) })],
  ['text with a UTF-16 surrogate encoded as UTF-8', 1007, encodeFrame({ opcode: Opcode.TEXT, payload: Buffer.from([0xed, 0xa0, 0x80]) })],
  ['a ping of 126 bytes', 1002, encodeFrame({ opcode: Opcode.PING, payload: Buffer.alloc(126, 1) })],
  ['a close of 200 bytes', 1002, encodeFrame({ opcode: Opcode.CLOSE, payload: Buffer.alloc(200, 0x41) })],
  ['a fragmented ping (FIN clear)', 1002, encodeFrame({ opcode: Opcode.PING, fin: false, payload: text('p') })],
  ['a continuation with nothing to continue', 1002, encodeFrame({ opcode: Opcode.CONTINUATION, payload: text('x') })],
  ['a new message inside a fragmented one', 1002, Buffer.concat([encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: text('{') }), encodeFrame({ opcode: Opcode.TEXT, payload: text('}') })])],
  ['a length of 2^63', 1009, encodeFrame({ opcode: Opcode.TEXT, announcedLength: 2n ** 63n })],
  ['a length of 2^64 - 1', 1009, encodeFrame({ opcode: Opcode.BINARY, announcedLength: 2n ** 64n - 1n })],
  ['a length of 2^40', 1009, encodeFrame({ opcode: Opcode.TEXT, announcedLength: 2n ** 40n })],
  ['a length one over MAX_PAYLOAD_BYTES', 1009, encodeFrame({ opcode: Opcode.TEXT, announcedLength: BigInt(MAX_PAYLOAD_BYTES + 1) })],
  ['fragments adding up to over MAX_PAYLOAD_BYTES', 1009, Buffer.concat([encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: Buffer.alloc(40_000, 0x20) }), encodeFrame({ opcode: Opcode.CONTINUATION, payload: Buffer.alloc(40_000, 0x20) })])],
  ['a message of more fragments than ws buffers', 1008, Buffer.concat([encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: text('[') }), ...Array.from({ length: MAX_FRAGMENTS }, () => encodeFrame({ opcode: Opcode.CONTINUATION, fin: false }))])],
  ['RSV1 without permessage-deflate', 1002, encodeFrame({ opcode: Opcode.TEXT, rsv: 0b100, payload: text('{}') })],
  ['RSV2', 1002, encodeFrame({ opcode: Opcode.TEXT, rsv: 0b010, payload: text('{}') })],
  ['RSV3', 1002, encodeFrame({ opcode: Opcode.TEXT, rsv: 0b001, payload: text('{}') })],
  ['an unmasked client frame', 1002, encodeFrame({ opcode: Opcode.TEXT, masked: false, payload: text('{"event":"ping","data":{}}') })],
  ['a close with an invalid code', 1002, encodeFrame({ opcode: Opcode.CLOSE, payload: Buffer.from([0x03, 0xe7]) })],
];

/** One frame of any header, most of them masked with RSV clear so that they reach the later checks. */
interface RandomFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** A length announced without the payload that would follow it. */
  oversize?: bigint;
}

const randomFrames: fc.Arbitrary<RandomFrame> = fc.record({
  fin: fc.boolean(),
  rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
  opcode: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.PONG, Opcode.CLOSE) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
  masked: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'grapheme', maxLength: 100 }).map((value) => Buffer.from(value)),
    fc.constantFrom('{"event":"ping","data":{}}', '{"event":"subscribe","data":{"topic":"raw"}}').map(text),
  ),
  oversize: fc.option(fc.constantFrom(BigInt(MAX_PAYLOAD_BYTES + 1), 2n ** 40n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n), { nil: undefined, freq: 6 }),
});

const specOf = (frame: RandomFrame): FrameSpec =>
  frame.oversize === undefined ? frame : { ...frame, payload: Buffer.alloc(0), announcedLength: frame.oversize };

/**
 * What ws (RFC 6455 section 5) answers one frame on a fresh connection: a close code, `close`
 * for a close frame (answered with a close of its own), or `open` when the connection goes on.
 */
function verdict(frame: RandomFrame): number | 'close' | 'open' {
  const length = frame.oversize ?? BigInt(frame.payload.length);
  const control = frame.opcode >= 0x8;
  if (frame.rsv !== 0) return 1002;
  if (frame.opcode === Opcode.CONTINUATION || (frame.opcode > Opcode.BINARY && frame.opcode < Opcode.CLOSE) || frame.opcode > Opcode.PONG) return 1002;
  if (control && (!frame.fin || length > 125n || (frame.opcode === Opcode.CLOSE && length === 1n))) return 1002;
  if (!frame.masked) return 1002;
  if (length > BigInt(MAX_PAYLOAD_BYTES)) return 1009;
  if (frame.opcode === Opcode.CLOSE) return 'close';
  if (frame.opcode === Opcode.TEXT && frame.fin && !isUtf8(frame.payload)) return 1007;
  return 'open';
}

/**
 * A raw-TCP fuzzer after a valid handshake, against the built service on SQLite: bad opcodes,
 * invalid UTF-8, oversized and fragmented control frames, absurd lengths, frames that never
 * finish. Each is closed with the code RFC 6455 and ws give it, or ends harmlessly; the process
 * never exits and a subscriber on another socket keeps receiving.
 */
describe('raw TCP fuzz', () => {
  let dir: string;
  let service: ServiceInstance;
  let publisher: SteadyPublisher;
  let watcher: TopicWatcher;
  let startHeap: number;
  let startRss: number;
  let connections = 0;

  /** A fresh connection past its handshake and `welcome`. */
  const connect = async (): Promise<RawWebSocket> => {
    connections++;
    try {
      const raw = await RawWebSocket.open(service.port);
      expect((await raw.nextMessage())?.event).toBe('welcome');
      return raw;
    } catch (error) {
      await expectStillRunning(service, `${connections - 1} raw connections`);
      throw error;
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'raw-tcp-fuzz-'));
    service = await startInstance({
      STORE: 'sqlite',
      SQLITE_PATH: join(dir, 'notifications.db'),
      LOG_LEVEL: 'warn',
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      NODE_OPTIONS: INSPECT_OPTION,
    });
    watcher = await TopicWatcher.start(service.wsUrl, WATCHED_TOPIC);
    publisher = new SteadyPublisher(service.baseUrl, WATCHED_TOPIC, PUBLISHES_PER_SECOND).start();
  });

  afterAll(async () => {
    await publisher?.stop();
    watcher?.stop();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(MALFORMED)('closes %s with %i', async (_, code, bytes) => {
    const raw = await connect();
    raw.write(bytes);
    expect(await raw.closeCode()).toBe(code);
    raw.destroy();
  });

  it('answers random frames as RFC 6455 says, on a connection that goes on when the frame was valid', async () => {
    startHeap = await heapUsedAfterGc(service);
    startRss = residentBytes(service.child.pid!);
    await fc.assert(
      fc.asyncProperty(randomFrames, async (frame) => {
        const raw = await connect();
        try {
          raw.send(specOf(frame));
          const expected = verdict(frame);
          if (expected === 'close') return void expect(await raw.closeCode()).not.toBeNull();
          if (expected !== 'open') return void expect(await raw.closeCode()).toBe(expected);
          // A ping may come between the fragments of a message, so it probes even a half-sent one.
          raw.send({ opcode: Opcode.PING, payload: PROBE });
          let pong;
          do pong = await raw.next(Opcode.PONG);
          while (pong && !pong.payload.equals(PROBE));
          expect(pong?.payload).toEqual(PROBE);
        } finally {
          raw.destroy();
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  // What bounds a frame that never finishes: ws refuses to wait for more than MAX_PAYLOAD_BYTES
  // (an announced length above it is closed with 1009 before any byte is buffered), and the
  // heartbeat terminates a peer that misses two pings, so it is held for three heartbeats at most.
  it.each([
    ['a frame cut short', encodeFrame({ opcode: Opcode.TEXT, payload: Buffer.alloc(60_000, 0x20) }).subarray(0, 1000)],
    ['a header cut short', encodeFrame({ opcode: Opcode.TEXT, announcedLength: 2n ** 40n }).subarray(0, 5)],
    ['a message whose last fragment never comes', encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: text('{"event":') })],
  ])('drops %s within a few heartbeats', async (_, bytes) => {
    const raw = await connect();
    raw.write(bytes);
    const ended = await Promise.race([raw.ended.then(() => true), new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS + 500, false))]);
    expect(ended).toBe(true);
  });

  it('kept delivering every acknowledged notification to a subscriber, once each, and never exited', async () => {
    await publisher.stop();
    expect(publisher.refused).toEqual([]);
    await watcher.received(publisher.acked);
    expect(watcher.duplicates).toBe(0);
    expect(watcher.reconnects).toEqual([]);
    expect(service.child.exitCode).toBeNull();
    expect((await http(service.baseUrl, 'GET', '/health/live')).status).toBe(200);
    await eventually(async () => expect(await heapUsedAfterGc(service)).toBeLessThanOrEqual(startHeap * 1.1), 'the heap to settle', 5000);
    const endHeap = await heapUsedAfterGc(service);
    console.log(
      `raw TCP fuzz: ${connections} connections (${MALFORMED.length} malformed kinds, ${RUNS} random frames, 3 never finished), ` +
        `${publisher.acked.length} notifications at ${PUBLISHES_PER_SECOND}/s, lost 0; heap after GC ${mib(startHeap)} -> ${mib(endHeap)} MiB, ` +
        `RSS ${mib(startRss)} -> ${mib(residentBytes(service.child.pid!))} MiB`,
    );
  });
});

