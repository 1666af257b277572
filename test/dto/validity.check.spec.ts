import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsDefined,
  IsString,
  MaxLength,
  registerDecorator,
  validateSync,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { AuthDto } from '../../src/notifications/dto/auth.dto.js';
import { InboxQueryDto } from '../../src/notifications/dto/inbox-query.dto.js';
import { PingDto } from '../../src/notifications/dto/ping.dto.js';
import { PublishNotificationDto } from '../../src/notifications/dto/publish-notification.dto.js';
import { ReadDto } from '../../src/notifications/dto/read.dto.js';
import { SubscribeDto } from '../../src/notifications/dto/subscribe.dto.js';
import { TopicHistoryQueryDto } from '../../src/notifications/dto/topic-history-query.dto.js';
import { UnsubscribeDto } from '../../src/notifications/dto/unsubscribe.dto.js';
import { validityCheck } from '../../src/notifications/dto/validity.check.js';

const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false } as const;

class ConditionalDto {
  @IsString()
  kind: string;

  @ValidateIf((dto: ConditionalDto) => dto.kind === 'named')
  @IsString()
  @MaxLength(3)
  name?: string;

  @IsString({ each: true })
  tags: unknown;
}

class NestedDto {
  @ValidateNested()
  @Type(() => ConditionalDto)
  inner: ConditionalDto;
}

class DefinedDto {
  @IsDefined()
  id: string;
}

function IsEventuallyTrue(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({ target: target.constructor, propertyName, options, async: true, validator: { validate: async (value) => value === true } });
}
class AsyncDto {
  @IsEventuallyTrue()
  flag: boolean;
}

type DtoClass = new () => object;

/** A valid body for each DTO; its variants below replace, drop or add one field. */
const SAMPLES: [DtoClass, Record<string, unknown>][] = [
  [PublishNotificationDto, { type: 'order.shipped', payload: { orderId: 'A-1' }, topic: 'orders', idempotencyKey: 'k-1' }],
  [PublishNotificationDto, { type: 'order.shipped', userIds: ['alice', 'bob'] }],
  [PublishNotificationDto, { type: 'order.shipped', broadcast: true }],
  [SubscribeDto, { topic: 'orders', since: 'k3x9f2a1b0-42' }],
  [UnsubscribeDto, { topic: 'orders' }],
  [AuthDto, { token: 'a.b.c' }],
  [ReadDto, { ids: ['k3x9f2a1b0-42'] }],
  [ReadDto, { all: true }],
  [InboxQueryDto, { unread: 'true', limit: '10', before: 'k3x9f2a1b0-42' }],
  [TopicHistoryQueryDto, { since: 'k3x9f2a1b0-42', limit: '100' }],
  [PingDto, {}],
  [ConditionalDto, { kind: 'named', name: 'abc', tags: ['a'] }],
];

const VALUES: unknown[] = [
  undefined, null, 0, 1, -1, 1.5, 100, 1001, '', 'a', '7', 'x'.repeat(300), 'user:alice', 'broadcast', 'a\u0000b', 'true',
  true, false, [], ['a'], ['a', 'a'], ['user:x'], [1], new Set(['a']), new Set([1]), new Map([['k', 'a']]), {}, { a: 1 },
  { big: 'x'.repeat(70_000) }, Array.from({ length: 1001 }, (_, n) => `u${n}`),
];

function variants(sample: Record<string, unknown>, fields: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [sample, { ...sample, unknown: 1 }, { ...sample, target: 'x' }];
  for (const field of fields) {
    const { [field]: _dropped, ...without } = sample;
    out.push(without);
    for (const value of VALUES) out.push({ ...sample, [field]: value });
  }
  return out;
}

describe('validityCheck', () => {
  it('agrees with class-validator on every DTO, for valid bodies and for each one-field change', () => {
    let valid = 0;
    let compared = 0;
    for (const [dtoClass, sample] of SAMPLES) {
      const check = validityCheck(dtoClass);
      expect(check).not.toBeNull();
      const fields = [...new Set([...Object.keys(sample), ...Object.keys(new dtoClass()), 'type', 'topic', 'userIds', 'broadcast', 'limit'])];
      for (const body of variants(sample, fields)) {
        const dto = plainToInstance(dtoClass, body) as Record<string, unknown>;
        const expected = validateSync(dto, VALIDATION).length === 0;
        expect({ dto: dtoClass.name, body, passes: check!(dto) }).toEqual({ dto: dtoClass.name, body, passes: expected });
        if (expected) valid += 1;
        compared += 1;
      }
    }
    // Both outcomes were exercised many times over.
    expect(valid).toBeGreaterThan(50);
    expect(compared - valid).toBeGreaterThan(500);
  });

  it('leaves classes with nested DTOs, @IsDefined or async constraints to class-validator', () => {
    expect(validityCheck(NestedDto)).toBeNull();
    expect(validityCheck(DefinedDto)).toBeNull();
    expect(validityCheck(AsyncDto)).toBeNull();
  });
});
