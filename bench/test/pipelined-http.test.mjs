import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { PipelinedHttpClient } from '../client/pipelined-http.mjs';

test('pipelines requests on one connection, answered in order, with sized and chunked bodies', async () => {
  const arrived = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { n } = JSON.parse(body);
      arrived.push(n);
      // Odd answers are chunked, even ones sized; the first answer is the slowest.
      setTimeout(() => {
        if (n % 2) {
          res.writeHead(202);
          res.write(`{"n":`);
          res.end(`${n}}`);
        } else {
          res.writeHead(202, { 'content-length': Buffer.byteLength(`{"n":${n}}`) });
          res.end(`{"n":${n}}`);
        }
      }, n === 0 ? 50 : 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new PipelinedHttpClient(`http://127.0.0.1:${server.address().port}`);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => client.post('/notifications', { n })));
  assert.deepEqual(arrived, [...Array(20).keys()]);
  assert.deepEqual(answers.map((a) => [a.status, JSON.parse(a.body).n]), [...Array(20).keys()].map((n) => [202, n]));
  assert.equal(sockets.size, 1);
  client.close();
  server.close();
});

test('fails the requests in flight when the connection drops, then reconnects', async () => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (requests === 1) req.socket.destroy();
    else res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new PipelinedHttpClient(`http://127.0.0.1:${server.address().port}`);
  await assert.rejects(client.post('/notifications', {}), /closed|reset/);
  assert.deepEqual(await client.post('/notifications', {}), { status: 200, body: 'ok' });
  client.close();
  server.close();
});
