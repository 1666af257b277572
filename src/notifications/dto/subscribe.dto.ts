import { IsString, Matches, MaxLength } from 'class-validator';
import { MayBeAbsent } from './may-be-absent.decorator.js';
import { TOPIC_PATTERN } from '../notification.model.js';
import type { SubscribeData } from '../protocol/frames.js';

export const TOPIC_MESSAGE = 'topic must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';

/** `subscribe {topic, since?}` */
export class SubscribeDto implements SubscribeData {
  @IsString()
  @Matches(TOPIC_PATTERN, { message: TOPIC_MESSAGE })
  topic: string;

  /** The last notification id the client saw in this topic. */
  @MayBeAbsent()
  @IsString()
  @MaxLength(64)
  since?: string;
}
