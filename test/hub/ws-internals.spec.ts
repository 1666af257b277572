import { once } from 'node:events';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame } from '../../src/notifications/hub/text-frame.js';
import { rawSocketOf } from '../../src/notifications/hub/ws-internals.js';

/**
 * Pins what the Hub assumes of ws's private API (src/notifications/hub/ws-internals.ts): a
 * failure here after a ws upgrade means the Hub's direct writes are no longer sound.
 */
describe('ws internals the Hub relies on', () => {
  let server: WebSocketServer;
  let serverSocket: WebSocket;
  let client: WebSocket;

  beforeEach(async () => {
    // As the gateway configures it: no per-message compression.
    server = new WebSocketServer({ port: 0, perMessageDeflate: false });
    const connected = once(server, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    [serverSocket] = (await connected) as [WebSocket];
    await once(client, 'open');
  });
  afterEach(async () => {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps the TCP socket where rawSocketOf finds it', () => {
    expect(rawSocketOf(serverSocket)).toBeInstanceOf(Socket);
    expect(rawSocketOf(serverSocket).writable).toBe(true);
  });

  it('takes frames written past it, of every length form, as messages in order with its own sends', async () => {
    const received: string[] = [];
    client.on('message', (data: Buffer) => received.push(data.toString()));
    // 7-bit, 16-bit and 64-bit lengths at their edges, and text that is not ASCII.
    const texts = ['second', 'é'.repeat(62) + 'x', 'y'.repeat(126), 'z'.repeat(0xffff), 'w'.repeat(0x10000), '🔔 ünïcode'];
    serverSocket.send('first');
    for (const text of texts) rawSocketOf(serverSocket).write(textFrame(text));
    serverSocket.send('last');
    while (received.length < texts.length + 2) await once(client, 'message');
    expect(received).toEqual(['first', ...texts, 'last']);
  });

  it('queues nothing of its own after a send without compression, so a direct write cannot overtake it', () => {
    serverSocket.send('x'.repeat(100_000));
    const sender = (serverSocket as unknown as { _sender: { _queue: unknown[]; _bufferedBytes: number } })._sender;
    expect(sender._queue).toHaveLength(0);
    expect(sender._bufferedBytes).toBe(0);
  });
});
