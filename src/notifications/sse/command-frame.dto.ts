import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FieldErrorDto } from '../dto/error-response.dto.js';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../protocol/events.js';
import { EXCEPTION_CODES } from '../protocol/exceptions.js';

/** The body of `POST /commands`: one client frame of the protocol. */
export class CommandFrameDto {
  @ApiProperty({ enum: [...CLIENT_EVENTS], example: 'subscribe' })
  event: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The command\'s data as over the WebSocket; `subscribe` and `unsubscribe` also take `streamId` (the stream\'s `welcome.connectionId`).',
    example: { topic: 'orders', since: 'k3x9f2a1b0-41', streamId: '5b0c6f3e-8a41-4f0e-9d0c-2f6a1c3e7b11' },
  })
  data: Record<string, unknown>;
}

/** The answer of `POST /commands`: the reply frame, as the WebSocket would have sent it. */
export class ReplyFrameDto {
  @ApiProperty({ enum: [...SERVER_EVENTS].filter((event) => event !== 'exception'), example: 'subscribed' })
  event: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { topic: 'orders', recovered: true, missed: 3 } })
  data: Record<string, unknown>;
}

export class CommandCauseDto {
  @ApiProperty({ example: 'subscribe' })
  pattern: string;

  @ApiPropertyOptional({ description: 'The command\'s data; left out beyond 1 KiB.' })
  data?: unknown;
}

export class ExceptionDataDto {
  @ApiProperty({ enum: ['error'] })
  status: 'error';

  @ApiProperty({ enum: EXCEPTION_CODES, example: 'FORBIDDEN' })
  code: string;

  @ApiProperty({ example: 'not allowed to subscribe to "private:team-7"' })
  message: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ type: CommandCauseDto })
  cause?: CommandCauseDto;
}

/** A refused command: the `exception` frame, as the WebSocket would have sent it. */
export class ExceptionFrameDto {
  @ApiProperty({ enum: ['exception'] })
  event: 'exception';

  @ApiProperty({ type: ExceptionDataDto })
  data: ExceptionDataDto;
}
