import { once } from 'node:events';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { rawSocketOf, textFrame } from '../../src/notifications/hub/ws-internals.js';

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

  it('frames a text message that a ws client reads as one message, in order with ws own sends', async () => {
    const received: string[] = [];
    client.on('message', (data: Buffer) => received.push(data.toString()));
    serverSocket.send('first');
    rawSocketOf(serverSocket).write(textFrame(Buffer.from('second')));
    serverSocket.send('third');
    rawSocketOf(serverSocket).write(textFrame(Buffer.alloc(70_000, 'x')));
    while (received.length < 4) await once(client, 'message');
    expect(received.slice(0, 3)).toEqual(['first', 'second', 'third']);
    expect(received[3]).toHaveLength(70_000);
  });

  it('queues nothing of its own after a send without compression, so a direct write cannot overtake it', () => {
    serverSocket.send('x'.repeat(100_000));
    const sender = (serverSocket as unknown as { _sender: { _queue: unknown[]; _bufferedBytes: number } })._sender;
    expect(sender._queue).toHaveLength(0);
    expect(sender._bufferedBytes).toBe(0);
  });
});
