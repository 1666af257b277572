import { requestHead } from './response-head.mjs';

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
  const request = `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n\r\n`;
  const accept = (lines) => {
    if (!/^HTTP\/1\.1 200 /.test(lines[0])) return `stream refused: ${lines[0]}`;
    if (!lines.some((line) => /^content-type:\s*text\/event-stream/i.test(line))) return 'stream refused: not text/event-stream';
    return null;
  };
  return requestHead(target, request, accept, timeoutMs).then(({ socket, rest }) => {
    const client = new EventStreamClient(socket, handlers);
    if (rest.length > 0) client.receive(rest.toString('utf8'));
    return client;
  });
}
