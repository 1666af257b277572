import { connect } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const EVENT_END = '\n\n';

/**
 * One client of a Server-Sent Events stream over node:net: a bare `GET`, then events split on
 * blank lines, with only the `event:` and `data:` fields read (one `data:` line per event, as
 * the service writes them; comments skipped). Like the RFC 6455 client beside it, it skips what
 * a load generator does not need, which keeps its cost per event below the server's.
 */
export class EventStreamClient {
  /**
   * @param {import('node:net').Socket} socket a socket past the response head
   * @param {{onEvent: (event: string, data: string) => void, onClose?: () => void}} handlers
   */
  constructor(socket, handlers) {
    this.socket = socket;
    this.onEvent = handlers.onEvent;
    this.pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (text) => this.receive(text));
    socket.on('close', () => handlers.onClose?.());
    socket.on('error', () => socket.destroy());
  }

  receive(text) {
    let buffer = this.pending + text;
    let end;
    while ((end = buffer.indexOf(EVENT_END)) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + EVENT_END.length);
      if (block.charCodeAt(0) === 58 /* ':' comment */) continue;
      let event = 'message';
      let data = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== null) this.onEvent(event, data);
    }
    this.pending = buffer;
  }

  destroy() {
    this.socket.destroy();
  }
}

/**
 * Opens `GET url` (http://host:port/path?query) and resolves once the server answered 200
 * with `text/event-stream`; rejects with the status line otherwise.
 * @param {string} url
 * @param {{onEvent: (event: string, data: string) => void, onClose?: () => void}} handlers
 * @param {number} [timeoutMs]
 * @returns {Promise<EventStreamClient>}
 */
export function openEventStream(url, handlers, timeoutMs = 15000) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port || 80) });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`stream request timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onEarlyClose);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      if (!/^HTTP\/1\.1 200 /.test(lines[0])) return fail(new Error(`stream refused: ${lines[0]}`));
      if (!lines.some((line) => /^content-type:\s*text\/event-stream/i.test(line))) return fail(new Error('stream refused: not text/event-stream'));
      clearTimeout(timer);
      const client = new EventStreamClient(socket, handlers);
      resolve(client);
      const rest = head.subarray(end + HEAD_END.length);
      if (rest.length > 0) client.receive(rest.toString('utf8'));
    };
    const onEarlyClose = () => fail(new Error('connection closed before the response head'));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onEarlyClose);
    socket.on('connect', () => {
      socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n\r\n`);
    });
  });
}
