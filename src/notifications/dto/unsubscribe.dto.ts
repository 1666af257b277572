import { IsString, Matches } from 'class-validator';
import { TOPIC_PATTERN } from '../notification.model.js';
import { TOPIC_MESSAGE } from './subscribe.dto.js';

/** `unsubscribe {topic}` */
export class UnsubscribeDto {
  @IsString()
  @Matches(TOPIC_PATTERN, { message: TOPIC_MESSAGE })
  topic: string;
}
