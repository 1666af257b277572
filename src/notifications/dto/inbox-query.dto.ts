import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { MayBeAbsent } from './may-be-absent.decorator.js';

/** Query of `GET /users/:userId/notifications`. */
export class InboxQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only unread notifications.' })
  @MayBeAbsent()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';

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
