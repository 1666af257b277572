import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** A frame as a client writes it, every field settable, including the ones a client must not set. */
export interface FrameSpec {
  fin?: boolean;
  /** RSV1..RSV3 as the bits 0x4, 0x2, 0x1. */
  rsv?: number;
  opcode: number;
  payload?: Buffer;
  /** Clients must mask; false writes the payload in the clear. */
  masked?: boolean;
  /** The length the header announces, whatever the payload's; written in the 64-bit form when over 65,535. */
  announcedLength?: bigint;
}

/** Encodes a frame (RFC 6455 section 5.2) exactly as `spec` says, valid or not. */
export function encodeFrame({ fin = true, rsv = 0, opcode, payload = Buffer.alloc(0), masked = true, announcedLength }: FrameSpec): Buffer {
  const length = announcedLength ?? BigInt(payload.length);
  const head = [(fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length <= 0xffffn) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/** A frame the server sent (servers never mask). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket client written on a bare TCP socket: a valid handshake done by hand, then any
 * bytes at all. It reads the server's frames, so a test sees the close code the server chose,
 * or that the server dropped the connection without one.
 */
export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  /** Resolves when the TCP connection is gone, whoever ended it. */
  readonly ended: Promise<void>;
  private pending = Buffer.alloc(0);
  private wake: () => void = () => undefined;

  private constructor(private readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.parse();
      this.wake();
    });
    socket.on('close', () => this.wake());
    socket.on('error', () => undefined);
  }

  /** Connects to `path` on the loopback port, checks the 101 and its Sec-WebSocket-Accept. */
  static async open(port: number, path = '/ws'): Promise<RawWebSocket> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const key = randomBytes(16).toString('base64');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let received = Buffer.alloc(0);
    for (;;) {
      const chunk: Buffer = await new Promise((resolve, reject) => socket.once('data', resolve).once('close', () => reject(new Error('closed during the handshake'))));
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) continue;
      const head = received.subarray(0, end).toString();
      const accept = createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
      if (!head.startsWith('HTTP/1.1 101') || !head.includes(`Sec-WebSocket-Accept: ${accept}`)) throw new Error(`handshake refused:\n${head}`);
      socket.pause();
      const client = new RawWebSocket(socket);
      client.pending = received.subarray(end + 4);
      client.parse();
      socket.resume();
      return client;
    }
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(spec: FrameSpec): void {
    this.write(encodeFrame(spec));
  }

  /** Removes and returns the first frame of `opcode`, waiting up to `timeoutMs`; null when none came. */
  async next(opcode: number, timeoutMs = 3000): Promise<ServerFrame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((frame) => frame.opcode === opcode);
      if (index >= 0) return this.frames.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next JSON text frame's `{event, data}`, or null. */
  async nextMessage(timeoutMs = 3000): Promise<{ event: string; data: any } | null> {
    const frame = await this.next(Opcode.TEXT, timeoutMs);
    return frame && JSON.parse(frame.payload.toString());
  }

  /** The code of the server's close frame (1005 when it carried none), or null when the connection ended without one. */
  async closeCode(timeoutMs = 3000): Promise<number | null> {
    const frame = await this.next(Opcode.CLOSE, timeoutMs);
    if (!frame) return null;
    return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
  }

  /** Stops reading: what the server sends piles up in the kernel's buffers, then in its own. */
  pause(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const buffer = this.pending;
      if (buffer.length < 2) return;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      this.frames.push({ opcode: buffer[0] & 0xf, payload: buffer.subarray(offset, offset + length) });
      this.pending = buffer.subarray(offset + length);
    }
  }
}
