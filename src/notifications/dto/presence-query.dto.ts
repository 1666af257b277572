import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, Matches } from 'class-validator';
import { USER_ID_PATTERN } from './publish-notification.dto.js';

export const MAX_PRESENCE_USER_IDS = 1000;

/** `a,b,c` (or the parameter repeated) as a list; anything else is left for the rules to refuse. */
const commaList = ({ value }: { value: unknown }): unknown => {
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? [value] : value;
  return Array.isArray(parts) && parts.every((part) => typeof part === 'string') ? parts.flatMap((part: string) => part.split(',')) : value;
};

/** Query of `GET /presence`. */
export class PresenceQueryDto {
  @ApiProperty({
    type: String,
    description: `1 to ${MAX_PRESENCE_USER_IDS} user ids, comma-separated (or the parameter repeated).`,
    example: 'alice,bob',
  })
  @Transform(commaList)
  @IsArray({ message: 'userIds must be a comma-separated list of user ids' })
  @ArrayMinSize(1, { message: 'userIds must name at least one user' })
  @ArrayMaxSize(MAX_PRESENCE_USER_IDS, { message: `userIds must name at most ${MAX_PRESENCE_USER_IDS} users` })
  @Matches(USER_ID_PATTERN, { each: true, message: 'each user id must match ^[A-Za-z0-9_.:-]{1,123}$' })
  userIds!: string[];
}
