import { ArrayMaxSize, ArrayMinSize, Equals, IsArray, IsBoolean, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { TYPE_PATTERN } from '../notification.model.js';
import type { InboxQueryData } from '../protocol/frames.js';
import { MayBeAbsent } from './may-be-absent.decorator.js';

/** Types one inbox query may filter on. */
export const MAX_INBOX_TYPES = 20;

/** `inbox {limit?, before?, unread?, archived?, types?}`: a page of the caller's own inbox. */
export class InboxCommandDto implements InboxQueryData {
  @MayBeAbsent()
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;

  @MayBeAbsent()
  @IsString()
  @MaxLength(64)
  before?: string;

  @MayBeAbsent()
  @Equals(true)
  unread?: true;

  @MayBeAbsent()
  @IsBoolean()
  archived: boolean = false;

  @MayBeAbsent()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_INBOX_TYPES)
  @Matches(TYPE_PATTERN, { each: true, message: 'each type must match ^[A-Za-z0-9_.:-]{1,64}$' })
  types?: string[];
}
