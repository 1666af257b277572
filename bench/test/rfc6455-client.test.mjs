import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { openRfc6455 } from '../client/rfc6455-client.mjs';

let server;
let url;

before(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  url = `ws://127.0.0.1:${server.address().port}/ws?user=ada`;
});
after(() => server.close());

/** Opens a client that queues what it receives; `next()` resolves with the next message. */
async function connectQueued() {
  const received = [];
  const waiters = [];
  let closed;
  const closedWith = new Promise((resolve) => (closed = resolve));
  const accepted = once(server, 'connection');
  const client = await openRfc6455(url, {
    onMessage: (text) => (waiters.length ? waiters.shift()(text) : received.push(text)),
    onClose: (code) => closed(code),
  });
  const [peer, request] = await accepted;
  const next = () => (received.length ? Promise.resolve(received.shift()) : new Promise((resolve) => waiters.push(resolve)));
  return { client, peer, request, next, closedWith };
}

test('sends the handshake with the path and query, and masked text frames the server reads', async () => {
  const { client, peer, request } = await connectQueued();
  assert.equal(request.url, '/ws?user=ada');
  for (const size of [5, 300, 70000]) {
    const message = once(peer, 'message');
    client.send('x'.repeat(size));
    const [data, isBinary] = await message;
    assert.equal(isBinary, false);
    assert.equal(data.toString(), 'x'.repeat(size));
  }
  client.destroy();
});

test('reads short, 16-bit and 64-bit length frames and reassembles fragmented messages', async () => {
  const { peer, next, client } = await connectQueued();
  peer.send('small');
  peer.send('m'.repeat(1000));
  peer.send('L'.repeat(100000));
  peer.send('one-', { fin: false });
  peer.send('two-', { fin: false });
  peer.send('three', { fin: true });
  assert.equal(await next(), 'small');
  assert.equal(await next(), 'm'.repeat(1000));
  assert.equal(await next(), 'L'.repeat(100000));
  assert.equal(await next(), 'one-two-three');
  client.destroy();
});

test('answers a ping with a pong carrying the same payload', async () => {
  const { peer, client } = await connectQueued();
  const pong = once(peer, 'pong');
  peer.ping('heartbeat');
  const [payload] = await pong;
  assert.equal(payload.toString(), 'heartbeat');
  client.destroy();
});

test('reports the close code the server sent and echoes the close frame', async () => {
  const { peer, closedWith } = await connectQueued();
  const peerClosed = once(peer, 'close');
  peer.close(4008, 'too slow to read');
  assert.equal(await closedWith, 4008);
  const [code] = await peerClosed;
  assert.equal(code, 4008);
});

test('rejects a refused handshake with its status line', async () => {
  const refusing = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
  await once(refusing, 'listening');
  await assert.rejects(
    openRfc6455(`ws://127.0.0.1:${refusing.address().port}/`, { onMessage() {} }),
    /handshake refused: HTTP\/1\.1 401/,
  );
  refusing.close();
});
