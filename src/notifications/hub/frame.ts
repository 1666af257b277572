import * as ws from 'ws';

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}

/** ws exports its Sender at runtime; its type declarations leave it out. */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/**
 * A complete WebSocket text frame holding `{event, data}`: serialized and framed once, then
 * written as is to every socket that should receive it.
 */
export function encodeFrame(event: string, data: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify({ event, data }));
  const parts = Sender.frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
