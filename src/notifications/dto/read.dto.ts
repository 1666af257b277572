import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, Equals, IsArray, IsString, MaxLength } from 'class-validator';
import { MayBeAbsent } from './may-be-absent.decorator.js';
import type { ReadAll, ReadByIds } from '../protocol/frames.js';
import { ExactlyOneOf } from './exactly-one-of.validator.js';

/** `read {ids}` or `read {all: true}`, and the body of `POST /users/:userId/notifications/read`. */
@ExactlyOneOf(['ids', 'all'])
export class ReadDto implements Partial<ReadByIds & ReadAll> {
  @ApiPropertyOptional({ type: [String], example: ['k3x9f2a1b0-42'], description: 'Notification ids to mark read (1 to 1000).' })
  @MayBeAbsent()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ids?: string[];

  @ApiPropertyOptional({ enum: [true], description: 'Mark every notification of the user read.' })
  @MayBeAbsent()
  @Equals(true)
  all?: true;
}
