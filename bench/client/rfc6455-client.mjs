import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { requestHead } from './response-head.mjs';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

// Masks come from a refilled random pool: one syscall per 2,048 frames, not one per frame.
const MASK_POOL = Buffer.alloc(8192);
let maskOffset = MASK_POOL.length;

function nextMask() {
  if (maskOffset === MASK_POOL.length) {
    randomFillSync(MASK_POOL);
    maskOffset = 0;
  }
  maskOffset += 4;
  return MASK_POOL.subarray(maskOffset - 4, maskOffset);
}

/** Builds one masked client frame (RFC 6455 section 5.2). */
function clientFrame(opcode, payload) {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) {
    frame[1] = 0x80 | length;
  } else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  const mask = nextMask();
  mask.copy(frame, head - 4);
  for (let i = 0; i < length; i++) frame[head + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/**
 * One client WebSocket over node:net: the opening handshake, server frames in (text,
 * binary, fragmented, ping, close), masked frames out. It skips everything a load
 * generator does not need (extensions, UTF-8 validation, events), which is what makes it
 * cheaper per message than the `ws` client.
 */
export class Rfc6455Client {
  /**
   * @param {import('node:net').Socket} socket an upgraded socket
   * @param {{onMessage: (text: string) => void, onClose?: (code: number) => void}} handlers
   */
  constructor(socket, handlers) {
    this.socket = socket;
    this.onMessage = handlers.onMessage;
    this.onClose = handlers.onClose ?? (() => {});
    this.pending = null;
    this.fragments = null;
    this.closeCode = null;
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('close', () => this.onClose(this.closeCode ?? 1006));
    socket.on('error', () => {});
  }

  /** Sends one text message. */
  send(text) {
    if (!this.socket.destroyed) this.socket.write(clientFrame(OPCODE.text, Buffer.from(text)));
  }

  /** Starts the closing handshake; the socket ends once the server answers. */
  close(code = 1000) {
    if (this.socket.destroyed) return;
    const body = Buffer.allocUnsafe(2);
    body.writeUInt16BE(code, 0);
    this.socket.end(clientFrame(OPCODE.close, body));
  }

  /** Drops the TCP connection without a closing handshake. */
  destroy() {
    this.socket.destroy();
  }

  /** Parses as many whole frames as the buffered bytes hold. */
  receive(chunk) {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const first = buffer[offset];
      const second = buffer[offset + 1];
      if (second & 0x80) return this.fail(1002); // servers never mask (RFC 6455 5.1)
      let length = second & 0x7f;
      let head = 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        head = 4;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = buffer.readUInt32BE(offset + 2) * 2 ** 32 + buffer.readUInt32BE(offset + 6);
        head = 10;
      }
      if (buffer.length - offset < head + length) break;
      const payload = buffer.subarray(offset + head, offset + head + length);
      offset += head + length;
      this.frame((first & 0x80) !== 0, first & 0x0f, payload);
    }
    this.pending = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : null;
  }

  frame(fin, opcode, payload) {
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.binary:
        if (fin) this.onMessage(payload.toString());
        else this.fragments = [Buffer.from(payload)];
        return;
      case OPCODE.continuation:
        if (!this.fragments) return this.fail(1002);
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = null;
          this.onMessage(whole.toString());
        }
        return;
      case OPCODE.ping:
        if (!this.socket.destroyed) this.socket.write(clientFrame(OPCODE.pong, payload));
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close:
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.socket.destroyed) this.socket.end(clientFrame(OPCODE.close, payload.subarray(0, 2)));
        return;
      default:
        this.fail(1002);
    }
  }

  fail(code) {
    this.closeCode = code;
    this.socket.destroy();
  }
}

/**
 * Opens a WebSocket to `url` (ws://host:port/path?query) and resolves once the server
 * answered 101 with the right Sec-WebSocket-Accept; rejects with the status line otherwise.
 * @param {string} url
 * @param {{onMessage: (text: string) => void, onClose?: (code: number) => void}} handlers
 * @param {number} [timeoutMs]
 * @returns {Promise<Rfc6455Client>}
 */
export function openRfc6455(url, handlers, timeoutMs = 15000) {
  const target = new URL(url);
  const key = randomBytes(16).toString('base64');
  const expectedAccept = createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
  const request =
    `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
    `Host: ${target.host}\r\n` +
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  const accept = (lines) => {
    if (!/^HTTP\/1\.1 101 /.test(lines[0])) return `handshake refused: ${lines[0]}`;
    const answer = lines.find((line) => /^sec-websocket-accept:/i.test(line))?.split(':')[1]?.trim();
    return answer === expectedAccept ? null : 'handshake refused: wrong Sec-WebSocket-Accept';
  };
  return requestHead(target, request, accept, timeoutMs).then(({ socket, rest }) => {
    const client = new Rfc6455Client(socket, handlers);
    if (rest.length > 0) client.receive(rest);
    return client;
  });
}
