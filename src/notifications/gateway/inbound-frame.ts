import type { RawData } from 'ws';
import type { ProtocolErrorBody } from './protocol.exception.js';

/**
 * Checks a raw frame's envelope. Nest's adapter drops malformed frames and unknown events
 * silently; the contract answers them, so they are caught here. Known events return null and
 * go on to their handler, whose pipes check `data`.
 */
export function inspectFrame(raw: RawData, isBinary: boolean, events: ReadonlySet<string>): ProtocolErrorBody | null {
  if (isBinary) return badJson('binary frames are not accepted');
  let message: unknown;
  try {
    message = JSON.parse(raw.toString());
  } catch {
    return badJson('frame is not valid JSON');
  }
  if (!isObject(message) || typeof message.event !== 'string') return badJson('frame is not an {event, data} object');
  const cause = { pattern: message.event, data: message.data };
  if (!events.has(message.event)) {
    return { status: 'error', code: 'UNKNOWN_EVENT', message: `unknown event "${message.event}"`, cause };
  }
  return null;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const badJson = (message: string): ProtocolErrorBody => ({ status: 'error', code: 'BAD_JSON', message });
