import { Sender, WebSocket } from 'ws';

const MAX_BUFFERED_BYTES = Number(process.env.MAX_BUFFERED_BYTES ?? 1024 * 1024);

/**
 * Serializes and frames a notification once and writes the same buffer to every socket,
 * closing (4008) a socket whose unsent bytes pass the limit instead of buffering without bound.
 */
export function deliverPreframed(sockets, notification) {
  const text = Buffer.from(JSON.stringify({ event: 'notification', data: notification }));
  const frame = Buffer.concat(Sender.frame(text, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.close(4008, 'too slow to read');
    else ws._socket.write(frame); // the socket under ws: no per-socket copy or framing
  }
}
