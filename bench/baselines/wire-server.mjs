// A baseline realtime server on `ws` and `node:http` alone, speaking the service's wire
// protocol subset: welcome, subscribe/subscribed, notification, POST /notifications.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { answer, readJsonBody, readNotificationRequest } from './notification-request.mjs';

const TOPIC = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const HEARTBEAT_MS = Number(process.env.HEARTBEAT_MS ?? 30000);
const HEARTBEAT_SLICES = 10;

/**
 * Starts the baseline on PORT; `deliver(sockets, notification)` is the only part that differs
 * between baselines: how one notification reaches every socket of its topic.
 * With `append`, a publish is handed to it (it stores and relays the notifications, and
 * answers what `POST /notifications` answers) and reaches sockets only through the returned
 * `fanOut`, as a notification relayed from any instance does.
 * @param {(sockets: Set<import('ws').WebSocket>, notification: object) => void} deliver
 * @param {{append?: (request: {topics: string[], type: string, payload: object}) => Promise<Array<{id: string, topic: string}>>}} [options]
 * @returns {{fanOut: (notification: {topic: string}) => void}}
 */
export function startWireServer(deliver, { append = null } = {}) {
  const topics = new Map();
  const epoch = Date.now().toString(36);
  let lastSeq = 0;
  let lastConnectionId = 0;

  const join = (ws, topic) => {
    let sockets = topics.get(topic);
    if (!sockets) topics.set(topic, (sockets = new Set()));
    sockets.add(ws);
    ws.topics.add(topic);
  };
  const leave = (ws, topic) => {
    const sockets = topics.get(topic);
    sockets?.delete(ws);
    if (sockets?.size === 0) topics.delete(topic);
    ws.topics.delete(topic);
  };
  const reply = (ws, event, data) => ws.send(JSON.stringify({ event, data }));

  const http = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/notifications') return answer(res, 404, { message: 'not found' });
    const read = await readJsonBody(req);
    if (read.error) return answer(res, read.status, { message: read.error });
    const request = readNotificationRequest(read.body);
    if (request.error) return answer(res, 400, { message: request.error });
    if (append) {
      try {
        return answer(res, 202, { notifications: await append(request) });
      } catch (error) {
        return answer(res, 503, { message: error.message });
      }
    }
    const accepted = [];
    for (const topic of request.topics) {
      const notification = {
        id: `${epoch}-${++lastSeq}`,
        topic,
        type: request.type,
        payload: request.payload,
        createdAt: new Date().toISOString(),
      };
      const sockets = topics.get(topic);
      if (sockets) deliver(sockets, notification);
      accepted.push({ id: notification.id, topic });
    }
    answer(res, 202, { notifications: accepted });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://localhost').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const userId = new URL(req.url, 'http://localhost').searchParams.get('user');
      ws.topics = new Set();
      ws.missedPongs = 0;
      ws.on('pong', () => (ws.missedPongs = 0));
      join(ws, 'broadcast');
      if (userId) join(ws, `user:${userId}`);
      reply(ws, 'welcome', { connectionId: String(++lastConnectionId), userId, heartbeatMs: HEARTBEAT_MS });
      ws.on('message', (raw, isBinary) => {
        let frame;
        try {
          frame = isBinary ? null : JSON.parse(raw.toString());
        } catch {
          frame = null;
        }
        const topic = frame?.data?.topic;
        if ((frame?.event === 'subscribe' || frame?.event === 'unsubscribe') && typeof topic === 'string' && TOPIC.test(topic)) {
          if (frame.event === 'subscribe') {
            join(ws, topic);
            reply(ws, 'subscribed', { topic, recovered: false, missed: 0 });
          } else {
            leave(ws, topic);
            reply(ws, 'unsubscribed', { topic });
          }
          return;
        }
        reply(ws, 'exception', { status: 'error', code: frame ? 'UNKNOWN_EVENT' : 'BAD_JSON', message: 'not supported by this baseline' });
      });
      ws.on('close', () => {
        for (const topic of [...ws.topics]) leave(ws, topic);
      });
    });
  });

  // The same heartbeat as the service: each socket pinged once per HEARTBEAT_MS, a tenth of them
  // per tick of one timer; terminated after two missed pongs.
  let pass = [];
  let slicesDone = HEARTBEAT_SLICES;
  setInterval(() => {
    if (slicesDone === HEARTBEAT_SLICES) {
      pass = [...wss.clients];
      slicesDone = 0;
    }
    const from = Math.floor((pass.length * slicesDone) / HEARTBEAT_SLICES);
    slicesDone++;
    const to = Math.floor((pass.length * slicesDone) / HEARTBEAT_SLICES);
    for (const ws of pass.slice(from, to)) {
      if (!wss.clients.has(ws)) continue;
      if (ws.missedPongs >= 2) ws.terminate();
      else {
        ws.missedPongs++;
        ws.ping();
      }
    }
  }, HEARTBEAT_MS / HEARTBEAT_SLICES).unref();

  // Nothing to flush: a baseline keeps no state worth a graceful shutdown.
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  // The service's listen backlog: a restart's clients queue in the kernel for both alike.
  http.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1', backlog: 4096 });
  return {
    fanOut: (notification) => {
      const sockets = topics.get(notification.topic);
      if (sockets) deliver(sockets, notification);
    },
  };
}
