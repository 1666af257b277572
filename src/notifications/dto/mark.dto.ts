import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, ValidateBy, type ValidationArguments } from 'class-validator';
import type { MarkData } from '../protocol/frames.js';
import { AtLeastOneOf } from './exactly-one-of.validator.js';
import { MayBeAbsent } from './may-be-absent.decorator.js';
import { ReadDto } from './read.dto.js';

/** `seen: false` beside `read: true` asks for a read entry nobody saw: refused, as read implies seen. */
const NotUnseenWhenRead = (): PropertyDecorator =>
  ValidateBy({
    name: 'notUnseenWhenRead',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => !(value === false && (args?.object as MarkDto).read === true),
      defaultMessage: () => 'seen cannot be false when read is true: read implies seen',
    },
  });

/**
 * `mark {ids | all, seen?, read?, archived?}` and the body of
 * `POST /users/:userId/notifications/mark`: the selection of `read`, and at least one flag.
 */
@AtLeastOneOf(['seen', 'read', 'archived'])
export class MarkDto extends ReadDto implements Partial<Omit<MarkData, 'ids' | 'all'>> {
  @ApiPropertyOptional({ description: 'Shown in the feed. false also makes the entries unread (read implies seen).' })
  @MayBeAbsent()
  @IsBoolean()
  @NotUnseenWhenRead()
  seen?: boolean;

  @ApiPropertyOptional({ description: 'Acted on. true also makes the entries seen.' })
  @MayBeAbsent()
  @IsBoolean()
  read?: boolean;

  @ApiPropertyOptional({ description: 'Dismissed from the feed: left out of the counts and of the default `inbox` pages.' })
  @MayBeAbsent()
  @IsBoolean()
  archived?: boolean;
}
