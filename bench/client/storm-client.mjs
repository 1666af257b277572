// A reconnect-storm client process: holds its share of connections, each subscribed to one
// topic, and when the server closes them, reconnects each the way the client library does
// (ReconnectBackoff: a delay before every attempt, reset on `welcome`) and resubscribes with
// `since` its last id. Counts when each is live again, what it missed, and every refusal.
// Driven by its parent over IPC (see reconnect-storm.scenario.mjs).
import { ReconnectBackoff } from './reconnect-backoff.mjs';
import { SequenceTrack } from './delivery-tally.mjs';
import { openRfc6455 } from './rfc6455-client.mjs';

const clients = [];
/** Handshakes answered with an HTTP status instead of 101: when, and which. */
let refusals = [];
/** What happened since the last storm began (each storm's report is its own). */
let counts = freshCounts();
let url = null;
let stormAt = Infinity;
let closing = false;

function freshCounts() {
  return { closeCodes: {}, outcomes: {}, wronglyUnrecovered: 0, exceptions: 0, firstException: null, duplicates: 0, attempts: 0 };
}

const bump = (table, key) => (table[key] = (table[key] ?? 0) + 1);

function onMessage(client, text) {
  const frame = JSON.parse(text);
  switch (frame.event) {
    case 'welcome':
      client.backoff.reset();
      // `welcome` can come in the handshake's own packet, before the socket is handed over.
      if (client.socket) subscribe(client);
      else client.welcomed = true;
      return;
    case 'subscribed':
      // A since this store issued, with its history kept, must be recovered.
      if (client.lastId !== undefined && client.keepsHistory && !frame.data.recovered) counts.wronglyUnrecovered++;
      client.replayLeft = frame.data.missed;
      if (client.replayLeft === 0) live(client);
      return;
    case 'notification': {
      const { seq } = frame.data.payload;
      if (client.track.mark(seq) === 'duplicate') counts.duplicates++;
      client.firstSeq ??= seq;
      client.lastId = frame.data.id;
      if (client.replayLeft > 0 && --client.replayLeft === 0) live(client);
      return;
    }
    case 'exception':
      counts.exceptions++;
      counts.firstException ??= frame.data;
      return;
  }
}

/** Resubscribes with `since` its last id, as the client library does after `welcome`. */
function subscribe(client) {
  client.welcomed = false;
  const data = client.lastId === undefined ? { topic: client.topic } : { topic: client.topic, since: client.lastId };
  client.socket.send(JSON.stringify({ event: 'subscribe', data }));
}

/** Subscribed, and whatever the server replays delivered: the client is live again. */
function live(client) {
  client.replayLeft = 0;
  client.live = true;
  client.liveAt = Date.now();
}

/** How an attempt failed, in a word: an HTTP status, a socket error code, a timeout or an early close. */
function failureKind(error) {
  const status = /handshake refused: HTTP\/1\.1 (\d+)/.exec(error.message)?.[1];
  if (status) return `http ${status}`;
  if (error.code) return error.code;
  if (error.message.startsWith('no response head')) return 'handshake timeout';
  return 'closed before the head';
}

/** After the storm: one line of a client's way back (what happened, then the delay drawn). */
function note(client, outcome, delay) {
  if (Date.now() < stormAt) return;
  bump(counts.outcomes, outcome);
  client.history.push({ at: Date.now() - stormAt, outcome, delay });
}

function connect(client) {
  counts.attempts++;
  client.knockedAt = Date.now();
  if (client.knockedAt >= stormAt) client.attemptsAfterStorm++;
  openRfc6455(`${url}?user=${client.user}`, {
    onMessage: (text) => onMessage(client, text),
    onClose: (code) => {
      client.socket = null;
      client.live = false;
      if (closing) return;
      if (Date.now() >= stormAt) bump(counts.closeCodes, code);
      reconnectLater(client, `close ${code}`);
    },
  }).then(
    (socket) => {
      if (closing) return socket.destroy();
      client.socket = socket;
      if (client.welcomed) subscribe(client);
    },
    (error) => {
      // A refused TCP connection is the server being down; an HTTP answer other than 101 is a refusal.
      const status = /handshake refused: HTTP\/1\.1 (\d+)/.exec(error.message)?.[1];
      if (status) refusals.push({ at: Date.now(), status });
      if (!closing) reconnectLater(client, failureKind(error));
    },
  );
}

function reconnectLater(client, outcome) {
  const delay = client.backoff.next();
  note(client, outcome, delay);
  setTimeout(() => connect(client), delay);
}

/** Opens connections `from` to `from + count - 1`: user storm-u<i>, topic storm.t<i mod topics>; resolves when all are live. */
async function open(message) {
  url = message.url;
  for (let i = message.from; i < message.from + message.count; i++) {
    const client = {
      user: `storm-u${i}`,
      topic: `storm.t${i % message.topics}`,
      keepsHistory: message.keepsHistory,
      backoff: new ReconnectBackoff(),
      track: new SequenceTrack(),
      socket: null,
      lastId: undefined,
      firstSeq: undefined,
      replayLeft: 0,
      welcomed: false,
      live: false,
      liveAt: null,
      knockedAt: null,
      attemptsAfterStorm: 0,
      history: [],
    };
    clients.push(client);
    connect(client);
    // Paced like the fleet's handshakes, so that the first connections do not come as a storm.
    if ((i - message.from) % message.concurrency === message.concurrency - 1) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const deadline = Date.now() + 60000;
  while (clients.some((client) => !client.live) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return { kind: 'opened', live: clients.filter((client) => client.live).length };
}

/** Clients live now, and those that have seen a notification (and so will resubscribe with since). */
function status() {
  const liveAgain = clients.filter((client) => client.live && client.liveAt >= stormAt).length;
  return { kind: 'status', live: clients.filter((client) => client.live).length, liveAgain, withCursor: clients.filter((client) => client.lastId !== undefined).length };
}

/**
 * The storm as the clients saw it: the handshakes refused, by the old instance shutting down
 * (before `readyAt`) or by the new one; and, once the stream ended (`finalSeqs`), what each client
 * that is live again missed: seqs of its topic from the first it saw to the last published that
 * never arrived.
 */
function report(finalSeqs, readyAt) {
  const refusedStatus = {};
  const refusedWhileStopping = {};
  for (const { at, status } of refusals) bump(at < readyAt ? refusedWhileStopping : refusedStatus, status);
  let missed = 0;
  let clientsMissing = 0;
  for (const client of finalSeqs ? clients : []) {
    const last = finalSeqs[client.topic];
    // A client not back yet is reported as such; what it has not received yet is not lost.
    if (!client.live || client.firstSeq === undefined || last === undefined) continue;
    let seen = 0;
    for (let seq = client.firstSeq; seq <= last; seq++) seen += client.track.seen[seq] === 1 ? 1 : 0;
    const lost = last - client.firstSeq + 1 - seen;
    missed += lost;
    if (lost > 0) clientsMissing++;
  }
  const back = clients.filter((client) => client.live && client.liveAt >= stormAt);
  const slowest = back.reduce((last, client) => (last === null || client.liveAt > last.liveAt ? client : last), null);
  return {
    kind: 'report',
    ...counts,
    attemptsPerClient: back.map((client) => client.attemptsAfterStorm),
    knockedMs: back.map((client) => client.knockedAt - stormAt),
    slowest: slowest && { liveMs: slowest.liveAt - stormAt, history: slowest.history },
    refusedStatus,
    refusedWhileStopping,
    missed,
    clientsMissing,
    notLive: clients.filter((client) => !client.live).length,
    liveAgainMs: back.map((client) => client.liveAt - stormAt),
  };
}

process.on('message', async (message) => {
  switch (message.cmd) {
    case 'open':
      process.send(await open(message));
      return;
    case 'storm':
      stormAt = message.at;
      counts = freshCounts();
      refusals = [];
      for (const client of clients) {
        client.attemptsAfterStorm = 0;
        client.history = [];
      }
      process.send({ kind: 'storming' });
      return;
    case 'status':
      process.send(status());
      return;
    case 'report':
      process.send(report(message.finalSeqs, message.readyAt));
      return;
    case 'close':
      closing = true;
      for (const client of clients) client.socket?.destroy();
      process.disconnect();
      return;
  }
});
process.on('disconnect', () => process.exit(0));
