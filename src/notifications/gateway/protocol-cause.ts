import { boundedJson } from '../json-bounds.js';

/** Bytes of a command's data that an exception echoes back; larger data is left out of `cause`. */
export const MAX_CAUSE_BYTES = 1024;
/** Characters of an event name that an exception echoes back. */
export const MAX_CAUSE_PATTERN_LENGTH = 64;

/** The `cause` of an exception: the command that failed, bounded so no frame can make the answer costly. */
export function causeOf(pattern: string, data: unknown): { pattern: string; data?: unknown } {
  const echoed = pattern.slice(0, MAX_CAUSE_PATTERN_LENGTH);
  return boundedJson(data, MAX_CAUSE_BYTES) === undefined ? { pattern: echoed } : { pattern: echoed, data };
}
