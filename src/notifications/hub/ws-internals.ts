import type { Socket } from 'node:net';
import * as ws from 'ws';

/**
 * Every use of ws's private or undocumented API, in one place. The Hub frames a notification
 * once and writes the same bytes to every socket's TCP stream, skipping ws's per-socket copy and
 * framing. That is sound only while ws queues nothing of its own on a socket, which holds with
 * per-message compression off (the gateway turns it off); test/hub/ws-internals.spec.ts pins
 * both assumptions and fails when a ws upgrade breaks them.
 */

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}

/** ws exports its Sender at runtime; its type declarations leave it out. */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/** A complete, unmasked WebSocket text frame holding `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const parts = Sender.frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** The TCP socket under a WebSocket, which ws keeps private. */
export const rawSocketOf = (socket: ws.WebSocket): Socket => (socket as unknown as { _socket: Socket })._socket;
