import type { RawData } from 'ws';
import { isJsonObject } from '../json-object.js';
import type { ProtocolErrorBody } from './protocol.exception.js';

/** What a frame turned out to be: a command for a handler, or the exception that answers it. */
export interface InspectedFrame {
  /** The frame's event when the service handles it, `unknown` for another event, `invalid` when unreadable. */
  event: string;
  /** The exception to answer with; null when the frame goes on to its handler. */
  error: ProtocolErrorBody | null;
}

/**
 * Checks a raw frame's envelope. Nest's adapter drops malformed frames and unknown events
 * silently; the contract answers them, so they are caught here. Known events come back without
 * an error and go on to their handler, whose pipes check `data`.
 */
export function inspectFrame(raw: RawData, isBinary: boolean, events: ReadonlySet<string>): InspectedFrame {
  if (isBinary) return badJson('binary frames are not accepted');
  let message: unknown;
  try {
    message = JSON.parse(raw.toString());
  } catch {
    return badJson('frame is not valid JSON');
  }
  if (!isJsonObject(message) || typeof message.event !== 'string') return badJson('frame is not an {event, data} object');
  if (!events.has(message.event)) {
    const cause = { pattern: message.event, data: message.data };
    return { event: 'unknown', error: { status: 'error', code: 'UNKNOWN_EVENT', message: `unknown event "${message.event}"`, cause } };
  }
  return { event: message.event, error: null };
}

const badJson = (message: string): InspectedFrame => ({ event: 'invalid', error: { status: 'error', code: 'BAD_JSON', message } });
