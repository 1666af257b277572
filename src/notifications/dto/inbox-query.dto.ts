import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { TYPE_PATTERN } from '../notification.model.js';
import { MAX_INBOX_TYPES } from './inbox-command.dto.js';
import { MayBeAbsent } from './may-be-absent.decorator.js';

/** Query of `GET /users/:userId/notifications`. */
export class InboxQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only unread notifications.' })
  @MayBeAbsent()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only unseen notifications.' })
  @MayBeAbsent()
  @IsIn(['true', 'false'])
  unseen?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'true: only archived notifications; false: only those not archived.' })
  @MayBeAbsent()
  @IsIn(['true', 'false'])
  archived?: 'true' | 'false';

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: TYPE_PATTERN.source },
    maxItems: MAX_INBOX_TYPES,
    description: `Only notifications of these types (repeat the parameter, up to ${MAX_INBOX_TYPES}).`,
    example: ['order.shipped'],
  })
  @MayBeAbsent()
  // One `type=` arrives as a string, several as an array.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(MAX_INBOX_TYPES)
  @Matches(TYPE_PATTERN, { each: true, message: 'each type must match ^[A-Za-z0-9_.:-]{1,64}$' })
  type?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @MayBeAbsent()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.', example: 'k3x9f2a1b0-42' })
  @MayBeAbsent()
  @IsString()
  @MaxLength(64)
  before?: string;
}
