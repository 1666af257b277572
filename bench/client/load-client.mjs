// A load-generator process: opens its share of WebSocket connections with the minimal
// RFC 6455 client (or SSE streams with the minimal event-stream client) and counts what arrives. Driven by its parent over IPC (see client-fleet.mjs).
import { performance } from 'node:perf_hooks';
import { DeliveryTally, SequenceTrack } from './delivery-tally.mjs';
import { openEventStream } from './event-stream-client.mjs';
import { openRfc6455 } from './rfc6455-client.mjs';

const READY_TIMEOUT_MS = 20000;
const connections = [];
const tally = new DeliveryTally();
let closing = false;

const nowMs = () => performance.timeOrigin + performance.now();

function onMessage(connection, text) {
  const frame = JSON.parse(text);
  onFrame(connection, frame.event, frame.data);
}

function onFrame(connection, event, data) {
  switch (event) {
    case 'notification': {
      const { seq, t, m } = data.payload;
      // Order is the id's: instances taking the publisher's requests in turn may number them in either order.
      const { id } = data;
      tally.notification(connection.track, seq, m === 1, (nowMs() - t) * 1000, Number(id.slice(id.lastIndexOf('-') + 1)));
      return;
    }
    case 'welcome':
      connection.resolveStep?.('welcome');
      return;
    case 'subscribed':
      connection.resolveStep?.('subscribed');
      return;
    case 'unread':
      tally.unreadFrames++;
      return;
    case 'exception':
      tally.exception(data);
      connection.rejectStep?.(new Error(`exception: ${JSON.stringify(data)}`));
      return;
  }
}

/** Waits for the server frame `event` on this connection. */
function step(connection, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    connection.resolveStep = (seen) => {
      if (seen !== event) return;
      clearTimeout(timer);
      connection.resolveStep = connection.rejectStep = null;
      resolve();
    };
    connection.rejectStep = (error) => {
      clearTimeout(timer);
      reject(error);
    };
  });
}

/** An SSE stream: its topic is named in the URL, so `welcome` means it is subscribed. */
async function openStream(wsUrl, user, topic) {
  const connection = { track: new SequenceTrack(), socket: null, resolveStep: null, rejectStep: null };
  const url = new URL(wsUrl.replace(/^ws/, 'http'));
  url.pathname = '/sse';
  if (user !== null) url.searchParams.set('user', user);
  if (topic !== null) url.searchParams.set('topics', topic);
  const welcomed = step(connection, 'welcome');
  welcomed.catch(() => {});
  connection.socket = await openEventStream(url.href, {
    onEvent: (event, data) => onFrame(connection, event, JSON.parse(data)),
    onClose: () => {
      connection.rejectStep?.(new Error('stream ended before ready'));
      if (!closing) tally.drop('stream ended');
    },
  });
  connections.push(connection);
  await welcomed;
}

async function openOne(baseUrl, user, topic) {
  const connection = { track: new SequenceTrack(), socket: null, resolveStep: null, rejectStep: null };
  const url = user === null ? baseUrl : `${baseUrl}?user=${encodeURIComponent(user)}`;
  const welcomed = step(connection, 'welcome');
  welcomed.catch(() => {});
  connection.socket = await openRfc6455(url, {
    onMessage: (text) => onMessage(connection, text),
    onClose: (code) => {
      connection.rejectStep?.(new Error(`closed with ${code} before ready`));
      if (!closing) tally.drop(code);
    },
  });
  connections.push(connection);
  await welcomed;
  if (topic !== null) {
    const subscribed = step(connection, 'subscribed');
    connection.socket.send(JSON.stringify({ event: 'subscribe', data: { topic } }));
    await subscribed;
  }
}

/**
 * Opens `count` connections, `concurrency` handshakes at a time; users[i] names connection i
 * when given. `url` may list several instances: connection i goes to url[i % url.length].
 */
async function open({ url, count, users, topic, concurrency, transport }) {
  const openConnection = transport === 'sse' ? openStream : openOne;
  const urls = Array.isArray(url) ? url : [url];
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError = null;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      try {
        await openConnection(urls[index % urls.length], users ? users[index] : null, topic);
        ok++;
      } catch (error) {
        failed++;
        firstError ??= error.message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { kind: 'opened', ok, failed, firstError };
}

process.on('message', async (message) => {
  switch (message.cmd) {
    case 'open':
      process.send(await open(message));
      return;
    case 'tally':
      process.send({ kind: 'tally', tally: tally.toJSON() });
      return;
    case 'close':
      closing = true;
      for (const connection of connections) connection.socket.destroy();
      process.disconnect();
      return;
  }
});
process.on('disconnect', () => process.exit(0));
