import fc from 'fast-check';

/**
 * JSON is built as text, not with JSON.stringify: that is the only way to send literals such as
 * `-0` or `1e400`, and to keep a `__proto__` key an own key once the receiver parses it.
 */
export type JsonText = string;
export type Member = [key: string, value: JsonText];

/** Keys every plain object inherits: a validator that looks a field up on a plain object finds them. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
];

/** Numbers at the edges of what JSON and doubles hold, as literals (past 2^53, overflowing, underflowing). */
export const EDGE_NUMBERS: JsonText[] = [
  '1e308',
  '-1e308',
  '1e400',
  '-0',
  '5e-324',
  '0.1e-99999',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551616',
  '123456789012345678901234567890',
];

const HOSTILE_STRINGS = ['', ' ', '\u0000', '\ud800', 'user:someone-else', 'broadcast', 'private:secret', '__proto__', "'; DROP TABLE notifications; --", '../../etc/passwd'];

export const json = (value: unknown): JsonText => JSON.stringify(value);

export const objectText = (members: Member[]): JsonText => `{${members.map(([key, value]) => `${json(key)}:${value}`).join(',')}}`;

/** Arrays or objects nested `depth` deep. */
export const nestedText = (depth: number, kind: 'array' | 'object'): JsonText =>
  kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);

/** Nesting any real payload may have. */
export const PLAIN_DEPTH = 32;
/** Nesting that JSON.parse takes but recursive code (JSON.stringify among it) cannot walk: only a refusal can answer it. */
export const UNWRITABLE_DEPTH = 5000;

/** Nesting up to the frame's size, plain or unwritable; the contract sets no limit in between, so that range is the service's choice. */
function nested(maxBytes: number): fc.Arbitrary<JsonText> {
  const depth = (max: number) => fc.oneof(fc.integer({ min: 1, max: PLAIN_DEPTH }), fc.integer({ min: UNWRITABLE_DEPTH, max }));
  return fc.oneof(
    depth(Math.floor((maxBytes - 2) / 2)).map((n) => nestedText(n, 'array')),
    depth(Math.floor((maxBytes - 2) / 6)).map((n) => nestedText(n, 'object')),
  );
}

/** Any JSON value a hostile client might send, its text at most about `maxBytes` long. */
export function hostileValue(maxBytes: number): fc.Arbitrary<JsonText> {
  return fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json), weight: 4 },
    { arbitrary: fc.constantFrom(...EDGE_NUMBERS), weight: 2 },
    // null slips past `@IsOptional`, which takes it for a missing field.
    { arbitrary: fc.constantFrom('null', 'true', 'false', '[]', '{}'), weight: 2 },
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(json), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: maxBytes - 2 }).map((length) => json('x'.repeat(length))), weight: 1 },
    { arbitrary: nested(maxBytes), weight: 1 },
  );
}

/** A DTO's fields as the contract names them, and members of a valid value of it. */
export interface DtoShape {
  fields: string[];
  valid: fc.Arbitrary<Member[]>;
}

const membersOf = (value: Record<string, unknown>): Member[] => Object.entries(value).map(([key, item]) => [key, json(item)]);
const topic = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/);
const id = fc.string({ minLength: 1, maxLength: 64 });
const type = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const ids = fc.array(id, { minLength: 1, maxLength: 5 });
// fast-check writes `__proto__` keys too, which no valid payload may hold.
const payload = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })).filter((value) => !json(value).includes('"__proto__":'));

export const SUBSCRIBE: DtoShape = { fields: ['topic', 'since'], valid: fc.record({ topic, since: id }, { requiredKeys: ['topic'] }).map(membersOf) };
export const UNSUBSCRIBE: DtoShape = { fields: ['topic'], valid: fc.record({ topic }).map(membersOf) };
export const READ: DtoShape = { fields: ['ids', 'all'], valid: fc.oneof(fc.record({ ids }), fc.constant({ all: true })).map(membersOf) };
const flags = fc
  .record({ seen: fc.boolean(), read: fc.boolean(), archived: fc.boolean() }, { requiredKeys: [] })
  // At least one flag, and no unseen entry that is read.
  .filter((value) => Object.keys(value).length > 0 && !(value.seen === false && value.read === true));
export const MARK: DtoShape = {
  fields: ['ids', 'all', 'seen', 'read', 'archived'],
  valid: fc.tuple(fc.oneof(fc.record({ ids }), fc.constant({ all: true })), flags).map(([selection, set]) => membersOf({ ...selection, ...set })),
};
export const INBOX: DtoShape = {
  fields: ['limit', 'before', 'unread', 'archived', 'types'],
  valid: fc
    .record(
      { limit: fc.integer({ min: 1, max: 100 }), before: id, unread: fc.constant(true), archived: fc.boolean(), types: fc.array(type, { minLength: 1, maxLength: 20 }) },
      { requiredKeys: [] },
    )
    .map(membersOf),
};
export const AUTH: DtoShape = { fields: ['token'], valid: fc.record({ token: fc.string({ minLength: 1, maxLength: 200 }) }).map(membersOf) };
export const PING: DtoShape = { fields: [], valid: fc.constant([]) };
export const PUBLISH: DtoShape = {
  fields: ['type', 'payload', 'userIds', 'topic', 'broadcast', 'idempotencyKey'],
  valid: fc
    .tuple(
      fc.record({ type, payload, idempotencyKey: id }, { requiredKeys: ['type'] }),
      fc.oneof(
        fc.record({ userIds: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,123}$/), { minLength: 1, maxLength: 5 }) }),
        fc.record({ topic: topic.filter((name) => !name.startsWith('user:') && name !== 'broadcast') }),
        fc.constant({ broadcast: true }),
      ),
    )
    .map(([notification, target]) => membersOf({ ...notification, ...target })),
};
export const INBOX_QUERY: DtoShape = {
  fields: ['unread', 'unseen', 'archived', 'type', 'limit', 'before'],
  valid: fc
    .record(
      {
        unread: fc.constantFrom('true', 'false'),
        unseen: fc.constantFrom('true', 'false'),
        archived: fc.constantFrom('true', 'false'),
        type: fc.oneof(type, fc.array(type, { minLength: 1, maxLength: 20 })),
        limit: fc.integer({ min: 1, max: 100 }).map(String),
        before: id,
      },
      { requiredKeys: [] },
    )
    .map(membersOf),
};
export const TOPIC_HISTORY_QUERY: DtoShape = {
  fields: ['since', 'limit'],
  valid: fc.record({ since: id, limit: fc.integer({ min: 1, max: 1000 }).map(String) }, { requiredKeys: [] }).map(membersOf),
};

/** Shapes of the data of every client event (contract section 4). */
export const COMMANDS: Record<string, DtoShape> = { subscribe: SUBSCRIBE, unsubscribe: UNSUBSCRIBE, read: READ, auth: AUTH, ping: PING, mark: MARK, inbox: INBOX };

const extraKey = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'target', 'selection'), fc.string({ maxLength: 12 }));

/**
 * A valid value of `shape` with some declared fields given hostile values and some extra keys
 * (prototype names among them) added; a later member overrides an earlier one of the same key.
 */
export function hostileMembers(shape: DtoShape, value: fc.Arbitrary<JsonText>): fc.Arbitrary<Member[]> {
  const replaced = shape.fields.length === 0 ? fc.constant([]) : fc.array(fc.tuple(fc.constantFrom(...shape.fields), value), { maxLength: 2 });
  return fc
    .tuple(shape.valid, replaced, fc.array(fc.tuple(extraKey, value), { maxLength: 3 }))
    .map(([base, swapped, extra]) => [...base, ...swapped, ...extra]);
}
