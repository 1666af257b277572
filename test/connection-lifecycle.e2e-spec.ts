import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { startApp } from './support/start-app.js';
import { http } from './support/http.js';
import { Opcode, RawWebSocket } from './support/raw-websocket.js';
import { TestClient } from './support/ws-client.js';

describe('connection lifecycle', () => {
  it('pings every HEARTBEAT_MS and terminates a peer that misses two pongs', async () => {
    const running = await startApp({ heartbeatMs: 150 });
    try {
      const healthy = await TestClient.connect(running.wsUrl);
      let pings = 0;
      healthy.socket.on('ping', () => pings++);
      // autoPong off: this peer never answers, like a dead network path.
      const silent = new WebSocket(running.wsUrl, { autoPong: false });
      const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
      expect(await closed).toBe(1006);
      expect(pings).toBeGreaterThanOrEqual(2);
      expect((await healthy.request('ping', {}, 'pong')).event).toBe('pong');
      healthy.close();
    } finally {
      await running.close();
    }
  });

  it('spreads a heartbeat pass over the interval, each connection pinged once per HEARTBEAT_MS', async () => {
    const heartbeatMs = 1000;
    const running = await startApp({ heartbeatMs });
    try {
      const clients = await Promise.all(Array.from({ length: 20 }, () => TestClient.connect(running.wsUrl)));
      const pingTimes = clients.map((client) => {
        const times: number[] = [];
        client.socket.on('ping', () => times.push(Date.now()));
        return times;
      });
      await new Promise((resolve) => setTimeout(resolve, 2.5 * heartbeatMs));

      // One ping per connection per interval (the first pass may start late for the last to connect)...
      for (const times of pingTimes) {
        expect(times.length).toBeGreaterThanOrEqual(1);
        expect(times.length).toBeLessThanOrEqual(3);
        for (let n = 1; n < times.length; n++) expect(times[n] - times[n - 1]).toBeGreaterThan(heartbeatMs / 2);
      }
      // ...and the connections' pings of one pass do not all leave at once.
      const firsts = pingTimes.map((times) => times[0]);
      expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThanOrEqual(heartbeatMs / 2);
      for (const client of clients) client.close();
    } finally {
      await running.close();
    }
  });

  it('closes with 4008 a client whose unsent bytes pass MAX_BUFFERED_BYTES, and keeps serving the others', async () => {
    const running = await startApp({ maxBufferedBytes: 64 * 1024 });
    try {
      const reader = await TestClient.connect(running.wsUrl);
      await reader.request('subscribe', { topic: 'firehose' }, 'subscribed');
      // A raw peer that completes the handshake, subscribes, then stops reading.
      const slow = new Socket();
      await new Promise<void>((resolve) => slow.connect(running.port, '127.0.0.1', resolve));
      slow.write(
        'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await new Promise((resolve) => slow.once('data', resolve));
      slow.write(maskedTextFrame(JSON.stringify({ event: 'subscribe', data: { topic: 'firehose' } })));
      await new Promise((resolve) => setTimeout(resolve, 100));
      slow.pause();
      // Far more than the kernel's socket buffers hold, so the server's own buffer must grow.
      const payload = { blob: 'x'.repeat(60 * 1024) };
      for (let i = 0; i < 400; i++) {
        await http(running.baseUrl, 'POST', '/notifications', { type: 't', topic: 'firehose', payload });
        await reader.next('notification');
      }
      const closedWith4008 = await readUntilClose(slow, 4008);
      expect(closedWith4008).toBe(true);
      expect((await reader.request('ping', {}, 'pong')).event).toBe('pong');
      slow.destroy();
      reader.close();
    } finally {
      await running.close();
    }
  });

  it('on shutdown refuses new connections and closes open ones with 1001', async () => {
    const running = await startApp();
    const client = await TestClient.connect(running.wsUrl);
    const closing = running.close();
    expect(await client.waitClose()).toBe(1001);
    await closing;
    await expect(TestClient.open(running.wsUrl)).rejects.toThrow();
  });

  it('on shutdown does not wait for a client to answer its close frame', async () => {
    const running = await startApp();
    // It never answers the close frame: the service still exits well within its 2 s grace.
    const silent = await RawWebSocket.open(running.port);
    const closing = running.close();
    expect(await silent.closeCode()).toBe(1001);
    expect(await Promise.race([closing.then(() => 'closed'), delay(1500, 'still waiting', { ref: false })])).toBe('closed');
    await silent.ended;
  });

  it('during shutdown answers a handshake and a stream 503 with Retry-After: 1', async () => {
    const running = await startApp({ maxBufferedBytes: 64 * 1024 * 1024 });
    // A client that stopped reading with more sent to it than the kernel holds: its close frame
    // cannot leave, so shutdown waits for it (its grace) with the port still open.
    const stalled = await RawWebSocket.open(running.port);
    stalled.send({ opcode: Opcode.TEXT, payload: Buffer.from(JSON.stringify({ event: 'subscribe', data: { topic: 'backlog' } })) });
    for (let frame = await stalled.nextMessage(); frame?.event !== 'subscribed'; frame = await stalled.nextMessage()) expect(frame).not.toBeNull();
    stalled.pause();
    const payload = { blob: 'x'.repeat(60 * 1024) };
    for (let i = 0; i < 300; i++) await http(running.baseUrl, 'POST', '/notifications', { type: 't', topic: 'backlog', payload });
    const closing = running.close();
    expect(await handshakeRefusal(running.port)).toEqual({ status: 503, retryAfter: '1' });
    const stream = await fetch(`${running.baseUrl}/sse`);
    expect({ status: stream.status, retryAfter: stream.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '1' });
    stalled.destroy();
    await closing;
  });
});

/** The status and Retry-After of a handshake the server refused; fails when it was accepted. */
function handshakeRefusal(port: number): Promise<{ status: number | undefined; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Version': '13' };
    const opening = request({ host: '127.0.0.1', port, path: '/ws', headers });
    opening.once('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode, retryAfter: response.headers['retry-after'] });
    });
    opening.once('upgrade', (_response, socket: Socket) => {
      socket.destroy();
      reject(new Error('handshake was accepted'));
    });
    opening.once('error', reject);
    opening.end();
  });
}

/** A client frame must be masked (RFC 6455 5.3); a zero mask keeps it readable. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('short frames only');
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** Reads everything the server sent until a close frame with `code` shows up (frames are ASCII JSON). */
function readUntilClose(socket: Socket, code: number): Promise<boolean> {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    const timer = setTimeout(() => resolve(false), 10_000);
    socket.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail.subarray(-3), chunk]);
      for (let i = 0; i + 4 <= tail.length; i++) {
        if (tail[i] === 0x88 && tail[i + 2] === code >> 8 && tail[i + 3] === (code & 0xff)) {
          clearTimeout(timer);
          resolve(true);
        }
      }
    });
    socket.resume();
  });
}
