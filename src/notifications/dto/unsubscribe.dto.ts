import { IsString, Matches } from 'class-validator';
import { TOPIC_PATTERN } from '../notification.model.js';
import { TOPIC_MESSAGE } from './subscribe.dto.js';
import type { UnsubscribeData } from '../protocol/frames.js';

/** `unsubscribe {topic}` */
export class UnsubscribeDto implements UnsubscribeData {
  @IsString()
  @Matches(TOPIC_PATTERN, { message: TOPIC_MESSAGE })
  topic: string;
}
