import { connect } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/**
 * HTTP/1.1 requests pipelined on one keep-alive connection: each is written the moment it is
 * made, whether or not earlier ones were answered, so the server receives them in the order
 * they were sent (which a pool of connections would not keep) and the sender never waits.
 * Answers are read in order (RFC 9112 section 9.3.2). A lost connection fails what it had
 * in flight; the next request opens a new one.
 */
export class PipelinedHttpClient {
  /** @param {string} base e.g. http://127.0.0.1:3000 */
  constructor(base) {
    this.target = new URL(base);
    this.socket = null;
  }

  /**
   * Sends `POST path` with a JSON body.
   * @returns {Promise<{status: number, body: string}>}
   */
  post(path, json) {
    const body = Buffer.from(JSON.stringify(json));
    const head =
      `POST ${path} HTTP/1.1\r\nHost: ${this.target.host}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const connection = this.socket ?? this.open();
    return new Promise((resolve, reject) => {
      connection.waiting.push({ resolve, reject });
      connection.socket.write(Buffer.concat([Buffer.from(head), body]));
    });
  }

  close() {
    this.socket?.socket.end();
    this.socket = null;
  }

  open() {
    const socket = connect({ host: this.target.hostname, port: Number(this.target.port || 80) });
    socket.setNoDelay(true);
    const connection = { socket, waiting: [], buffer: Buffer.alloc(0) };
    const fail = (error) => {
      if (this.socket === connection) this.socket = null;
      for (const request of connection.waiting.splice(0)) request.reject(error);
    };
    socket.on('data', (chunk) => {
      connection.buffer = connection.buffer.length ? Buffer.concat([connection.buffer, chunk]) : chunk;
      let response;
      while ((response = readResponse(connection)) !== null) connection.waiting.shift()?.resolve(response);
    });
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed with requests in flight')));
    this.socket = connection;
    return connection;
  }
}

/** Takes one whole response off the front of the buffer, or answers null until one has arrived. */
function readResponse(connection) {
  const { buffer } = connection;
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd === -1) return null;
  const head = buffer.subarray(0, headEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const start = headEnd + HEAD_END.length;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let body;
  let end;
  if (length) {
    end = start + Number(length[1]);
    if (buffer.length < end) return null;
    body = buffer.subarray(start, end);
  } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const chunks = [];
    let offset = start;
    for (;;) {
      const sizeEnd = buffer.indexOf(CRLF, offset);
      if (sizeEnd === -1) return null;
      const size = parseInt(buffer.subarray(offset, sizeEnd).toString('latin1'), 16);
      if (buffer.length < sizeEnd + 2 + size + 2) return null;
      chunks.push(buffer.subarray(sizeEnd + 2, sizeEnd + 2 + size));
      offset = sizeEnd + 2 + size + 2;
      if (size === 0) break;
    }
    body = Buffer.concat(chunks);
    end = offset;
  } else {
    body = Buffer.alloc(0);
    end = start;
  }
  connection.buffer = buffer.subarray(end);
  return { status, body: body.toString() };
}
