import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { MayBeAbsent } from './may-be-absent.decorator.js';

/** Query of `GET /topics/:topic/notifications`. */
export class TopicHistoryQueryDto {
  @ApiPropertyOptional({ description: 'Last id seen; items after it, in id order.', example: 'k3x9f2a1b0-42' })
  @MayBeAbsent()
  @IsString()
  @MaxLength(64)
  since?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @MayBeAbsent()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}
