import { IsString, MaxLength } from 'class-validator';
import { SubscribeDto } from '../dto/subscribe.dto.js';
import { UnsubscribeDto } from '../dto/unsubscribe.dto.js';

/** `subscribe {topic, since?, streamId}` through `POST /commands`: the stream that joins the topic. */
export class StreamSubscribeDto extends SubscribeDto {
  /** The `connectionId` of the stream's `welcome`. */
  @IsString()
  @MaxLength(64)
  streamId: string;
}

/** `unsubscribe {topic, streamId}` through `POST /commands`. */
export class StreamUnsubscribeDto extends UnsubscribeDto {
  @IsString()
  @MaxLength(64)
  streamId: string;
}
