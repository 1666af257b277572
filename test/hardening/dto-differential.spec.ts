import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import fc from 'fast-check';
import { AuthDto } from '../../src/notifications/dto/auth.dto.js';
import { DtoValidationPipe } from '../../src/notifications/dto/dto-validation.pipe.js';
import { InboxCommandDto } from '../../src/notifications/dto/inbox-command.dto.js';
import { InboxQueryDto } from '../../src/notifications/dto/inbox-query.dto.js';
import { MarkDto } from '../../src/notifications/dto/mark.dto.js';
import { PingDto } from '../../src/notifications/dto/ping.dto.js';
import { PublishNotificationDto } from '../../src/notifications/dto/publish-notification.dto.js';
import { ReadDto } from '../../src/notifications/dto/read.dto.js';
import { SubscribeDto } from '../../src/notifications/dto/subscribe.dto.js';
import { TopicHistoryQueryDto } from '../../src/notifications/dto/topic-history-query.dto.js';
import { UnsubscribeDto } from '../../src/notifications/dto/unsubscribe.dto.js';
import {
  AUTH,
  type DtoShape,
  hostileMembers,
  hostileValue,
  INBOX,
  INBOX_QUERY,
  MARK,
  objectText,
  PING,
  PUBLISH,
  READ,
  SUBSCRIBE,
  TOPIC_HISTORY_QUERY,
  UNSUBSCRIBE,
  UNWRITABLE_DEPTH,
} from '../support/hostile-json.js';

// forbidUnknownValues off: with it, class-validator refuses even `{}` for PingDto, which declares nothing.
const CLASS_VALIDATOR = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false };
// Bodies are at most 64 KiB, so no value the pipe sees is longer.
const MAX_VALUE_BYTES = 64 * 1024;
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

class Refusal extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('refused');
  }
}

const pipe = new DtoValidationPipe('data', (errors) => new Refusal(errors));

/** What the pipe did: accepted, or refused naming these fields; anything else it throws fails the property. */
function pipeVerdict(dtoClass: new () => object, value: unknown): { accepted: boolean; fields: string[] } {
  // Query DTOs are validated as queries (their strings converted), the others as JSON bodies and commands.
  const type = dtoClass === InboxQueryDto || dtoClass === TopicHistoryQueryDto ? 'query' : 'body';
  const metadata: ArgumentMetadata = { type, metatype: dtoClass };
  try {
    pipe.transform(value, metadata);
    return { accepted: true, fields: [] };
  } catch (error) {
    if (error instanceof Refusal) return { accepted: false, fields: error.errors.map((e) => e.property) };
    throw error;
  }
}

/** class-validator on its own; a value it cannot even walk (nested too deep to serialize) can only be refused. */
function classValidatorAccepts(dtoClass: new () => object, value: object): boolean {
  try {
    return validateSync(plainToInstance(dtoClass, value), CLASS_VALIDATOR).length === 0;
  } catch {
    return false;
  }
}

/** How deep `value` nests, and whether a `__proto__` key is anywhere in it. Iterative, as values nest 32k deep. */
function shapeOf(value: unknown): { depth: number; protoKey: boolean } {
  let depth = 0;
  let protoKey = false;
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, above] = next;
    if (typeof item !== 'object' || item === null) continue;
    depth = Math.max(depth, above + 1);
    protoKey ||= Object.prototype.hasOwnProperty.call(item, '__proto__');
    for (const child of Object.values(item)) pending.push([child, above + 1]);
  }
  return { depth, protoKey };
}

const DTOS: Array<[new () => object, DtoShape]> = [
  [SubscribeDto, SUBSCRIBE],
  [UnsubscribeDto, UNSUBSCRIBE],
  [ReadDto, READ],
  [AuthDto, AUTH],
  [PingDto, PING],
  [PublishNotificationDto, PUBLISH],
  [InboxQueryDto, INBOX_QUERY],
  [MarkDto, MARK],
  [InboxCommandDto, INBOX],
  [TopicHistoryQueryDto, TOPIC_HISTORY_QUERY],
];

/**
 * The pipe's fast path (validity.check.ts) and class-validator must agree on every value, and a
 * field the DTO does not declare is refused whatever its name (contract section 10), even where
 * class-validator's whitelist takes `constructor` or `hasOwnProperty` for a declared property.
 */
describe.each(DTOS)('DtoValidationPipe on %p', (dtoClass, shape) => {
  it('accepts exactly what class-validator accepts with no undeclared key, and names each undeclared key it refuses', () => {
    fc.assert(
      fc.property(hostileMembers(shape, hostileValue(MAX_VALUE_BYTES)), (members) => {
        const value = JSON.parse(objectText(members)) as Record<string, unknown>;
        const undeclared = Object.keys(value).filter((key) => !shape.fields.includes(key));
        const { depth, protoKey } = shapeOf(value);
        // A `__proto__` key would swap a prototype, and nesting this deep cannot be written back: the whole value is refused.
        const hazardous = protoKey || depth >= UNWRITABLE_DEPTH;
        const expected = undeclared.length === 0 && !hazardous && classValidatorAccepts(dtoClass, value);
        const verdict = pipeVerdict(dtoClass, value);
        expect(verdict.accepted).toBe(expected);
        if (!hazardous) for (const key of undeclared) expect(verdict.fields).toContain(key);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts every valid value of the contract', () => {
    fc.assert(
      fc.property(shape.valid, (members) => {
        expect(pipeVerdict(dtoClass, JSON.parse(objectText(members)))).toEqual({ accepted: true, fields: [] });
      }),
      { numRuns: RUNS },
    );
  });
});
