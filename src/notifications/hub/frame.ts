import type { ServerEvent, ServerFrames } from '../protocol/frames.js';
import { textFrame } from './ws-internals.js';

/**
 * A complete WebSocket text frame holding `{event, data}`: serialized and framed once, then
 * written as is to every socket that should receive it. Only the protocol's frames, with their
 * data, compile.
 */
export function encodeFrame<E extends ServerEvent>(event: E, data: ServerFrames[E]): Buffer {
  return textFrame(Buffer.from(JSON.stringify({ event, data })));
}
