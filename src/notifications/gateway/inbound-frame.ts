import type { RawData } from 'ws';
import { isJsonObject } from '../json-object.js';
import { isClientEvent } from '../protocol/events.js';
import type { ClientEvent } from '../protocol/frames.js';
import { causeOf } from './protocol-cause.js';
import type { ExceptionData } from '../protocol/exceptions.js';

/** A frame that names a command the service handles, with data that is a JSON object. */
export interface InboundCommand {
  event: ClientEvent;
  data: Record<string, unknown>;
}

/** What a frame turned out to be: a command for a handler, or the exception that answers it. */
export type InspectedFrame =
  | { event: ClientEvent; command: InboundCommand; error: null }
  /** `event` is `unknown` for another event, `invalid` when the frame is not an {event, data} object. */
  | { event: 'unknown' | 'invalid'; command: null; error: ExceptionData };

/**
 * Checks a raw frame's envelope, parsing it once. Nest's adapter drops malformed frames and
 * unknown events silently; the contract answers them, so they are caught here. Commands go on
 * to their handler, whose pipes check `data`.
 */
export function inspectFrame(raw: RawData, isBinary: boolean): InspectedFrame {
  if (isBinary) return badJson('binary frames are not accepted');
  let message: unknown;
  try {
    // Text frames reach listeners as one Buffer whatever the socket's binaryType.
    message = JSON.parse((raw as Buffer).toString());
  } catch {
    return badJson('frame is not valid JSON');
  }
  return inspectMessage(message);
}

/** Checks a parsed frame's envelope (a WebSocket frame, or the body of `POST /commands`). */
export function inspectMessage(message: unknown): InspectedFrame {
  if (!isJsonObject(message) || typeof message.event !== 'string') return badJson('frame is not an {event, data} object');
  const { event, data } = message;
  if (!isClientEvent(event)) {
    const cause = causeOf(event, data);
    const error: ExceptionData = { status: 'error', code: 'UNKNOWN_EVENT', message: `unknown event "${cause.pattern}"`, cause };
    return { event: 'unknown', command: null, error };
  }
  if (!isJsonObject(data)) return badJson('frame data must be a JSON object', causeOf(event, data));
  return { event, command: { event, data }, error: null };
}

const badJson = (message: string, cause?: ExceptionData['cause']): InspectedFrame => ({
  event: 'invalid',
  command: null,
  error: { status: 'error', code: 'BAD_JSON', message, ...(cause ? { cause } : {}) },
});
