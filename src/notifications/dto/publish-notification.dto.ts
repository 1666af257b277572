import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsObject,
  IsString,
  Length,
  Matches,
  NotContains,
} from 'class-validator';
import { TOPIC_PATTERN, TYPE_PATTERN } from '../notification.model.js';
import { ExactlyOneOf } from './exactly-one-of.validator.js';
import { MayBeAbsent } from './may-be-absent.decorator.js';
import { MaxJsonBytes } from './max-json-bytes.validator.js';

export const USER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,123}$/;
export const MAX_NOTIFICATION_PAYLOAD_BYTES = 64 * 1024;

/** Body of `POST /notifications`: a notification and exactly one target. */
@ExactlyOneOf(['userIds', 'topic', 'broadcast'])
export class PublishNotificationDto {
  @ApiProperty({ example: 'order.shipped', pattern: TYPE_PATTERN.source })
  @IsString()
  @Matches(TYPE_PATTERN, { message: 'type must match ^[A-Za-z0-9_.:-]{1,64}$' })
  type: string;

  @ApiPropertyOptional({ example: { orderId: 'A-1001', carrier: 'DHL' }, description: 'Any JSON object up to 64 KiB serialized.' })
  @MayBeAbsent()
  @IsObject()
  @MaxJsonBytes(MAX_NOTIFICATION_PAYLOAD_BYTES)
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], example: ['alice', 'bob'], description: '1 to 1000 distinct user ids; each gets it on `user:<id>` and in the inbox.' })
  @MayBeAbsent()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(USER_ID_PATTERN, { each: true, message: 'each user id must match ^[A-Za-z0-9_.:-]{1,123}$' })
  userIds?: string[];

  @ApiPropertyOptional({ example: 'orders', description: 'A topic other than `user:*` and `broadcast`.' })
  @MayBeAbsent()
  @IsString()
  @Matches(TOPIC_PATTERN, { message: 'topic must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' })
  @Matches(/^(?!user:)(?!broadcast$)/, { message: 'topic may not be a user: topic or broadcast (use userIds or broadcast: true)' })
  topic?: string;

  @ApiPropertyOptional({ enum: [true], description: 'Send to every connection.' })
  @MayBeAbsent()
  @Equals(true)
  broadcast?: true;

  @ApiPropertyOptional({ example: 'order-A-1001-shipped', description: 'Repeats with the same key return the first answer and deliver nothing again.' })
  @MayBeAbsent()
  @IsString()
  @Length(1, 255)
  @NotContains('\u0000')
  idempotencyKey?: string;
}
