/** How deep any JSON a client sends may nest: far beyond any real payload, far below the stack's limit. */
export const MAX_JSON_DEPTH = 64;

/** What an inbound JSON value holds that must be refused before anything else walks it. */
export type JsonHazard = 'too-deep' | 'proto-key' | null;

/**
 * Walks a parsed JSON value without recursion (a 64 KiB frame can nest 32,000 deep), stopping
 * at the first hazard: nesting past `maxDepth`, or a `__proto__` key that an Object.assign
 * would turn into a prototype.
 */
export function jsonHazard(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonHazard {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > maxDepth) return 'too-deep';
    if (!Array.isArray(next.value) && Object.prototype.hasOwnProperty.call(next.value, '__proto__')) return 'proto-key';
    for (const child of Object.values(next.value)) if (typeof child === 'object' && child !== null) pending.push({ value: child, depth });
  }
  return null;
}

/** `value` as JSON when that takes at most `maxBytes` of UTF-8, else undefined; never throws. */
export function boundedJson(value: unknown, maxBytes: number): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Nesting deeper than the stack ends here, as a RangeError, instead of in a socket listener.
    return undefined;
  }
  return json !== undefined && Buffer.byteLength(json) <= maxBytes ? json : undefined;
}
