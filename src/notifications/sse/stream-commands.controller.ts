import { Body, Controller, HttpCode, Inject, Logger, Post, Req, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiSecurity, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HandshakeAuthenticator, HandshakeRefusal } from '../auth/handshake-authenticator.service.js';
import { ConnectionCommands } from '../commands/connection-commands.service.js';
import { AuthDto } from '../dto/auth.dto.js';
import { InboxCommandDto } from '../dto/inbox-command.dto.js';
import { MarkDto } from '../dto/mark.dto.js';
import { PingDto } from '../dto/ping.dto.js';
import { ReadDto } from '../dto/read.dto.js';
import { CommandRateLimiter } from '../gateway/command-rate.limiter.js';
import { inspectMessage } from '../gateway/inbound-frame.js';
import { ProtocolException } from '../gateway/protocol.exception.js';
import { causeOf } from '../gateway/protocol-cause.js';
import { wsValidationPipe } from '../gateway/ws-validation.pipe.js';
import type { EventStreamConnection } from '../hub/event-stream.connection.js';
import { Hub } from '../hub/hub.service.js';
import { type InboxCaller, InboxCommands } from '../inbox/inbox-commands.service.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';
import type { ClientEvent, ServerFrame, SubscribedData } from '../protocol/frames.js';
import { CommandExceptionFilter } from './command-exception.filter.js';
import { CommandFrameDto, ExceptionFrameDto, ReplyFrameDto } from './command-frame.dto.js';
import { EventStreams } from './event-streams.js';
import { nodeRequestOf } from './node-http.js';
import { StreamSubscribeDto, StreamUnsubscribeDto } from './stream-commands.dto.js';

/** The DTO that validates each command's data over HTTP: the WebSocket's, plus `streamId` where a stream is named. */
const COMMAND_DTOS: { [E in ClientEvent]: new () => object } = {
  subscribe: StreamSubscribeDto,
  unsubscribe: StreamUnsubscribeDto,
  read: ReadDto,
  auth: AuthDto,
  ping: PingDto,
  mark: MarkDto,
  inbox: InboxCommandDto,
};

/** A request is no connection: every connection of the user, its streams included, hears the counts it changes. */
const callerOf = (user: ConnectionUser | null): InboxCaller => ({ userId: user?.id ?? null });

const RATE_LIMITED = new ProtocolException('RATE_LIMITED', 'too many commands: slow down');

/**
 * `POST /commands`: the commands of an SSE stream's client, which has no way back on the stream.
 * Same identity as the stream (no API key), one client frame per request, the same DTOs and
 * command logic as the WebSocket (ConnectionCommands); answers the reply frame, or the
 * `exception` frame with the status that fits.
 */
@ApiTags('sse')
@ApiSecurity('accessToken')
@ApiSecurity('userToken')
@Controller()
@UseFilters(CommandExceptionFilter)
export class StreamCommandsController {
  private readonly logger = new Logger('StreamCommands');

  constructor(
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly rate: CommandRateLimiter,
    private readonly commands: ConnectionCommands,
    private readonly inboxCommands: InboxCommands,
    private readonly streams: EventStreams,
    private readonly hub: Hub,
  ) {}

  @Post('commands')
  @HttpCode(200)
  @ApiOperation({
    summary: "Send a command of an SSE stream's client",
    description:
      'One client frame of the protocol, with the identity of the stream (`Authorization`, `access_token` or dev-mode `user`; no API key). ' +
      '`subscribe` and `unsubscribe` name the stream by `streamId` (its `welcome.connectionId`, a stream of the same user on this instance): ' +
      'the `subscribed` reply and the replay also go on the stream. COMMAND_RATE applies per user. See docs/protocol.md.',
  })
  @ApiBody({ type: CommandFrameDto })
  @ApiOkResponse({ type: ReplyFrameDto, description: 'The reply frame.' })
  @ApiResponse({ status: 400, type: ExceptionFrameDto, description: 'BAD_JSON, UNKNOWN_EVENT, VALIDATION_FAILED (an unknown `streamId` too) or LIMIT_EXCEEDED.' })
  @ApiResponse({ status: 401, type: ExceptionFrameDto, description: 'UNAUTHORIZED: missing or invalid identity, or an `auth` token that does not verify.' })
  @ApiResponse({ status: 403, type: ExceptionFrameDto, description: "FORBIDDEN: a topic not allowed, another user's stream, a refused `Origin`." })
  @ApiResponse({ status: 413, type: ExceptionFrameDto, description: 'BAD_JSON: a body over 64 KiB.' })
  @ApiResponse({ status: 429, type: ExceptionFrameDto, description: 'RATE_LIMITED: over COMMAND_RATE.' })
  @ApiResponse({
    status: 503,
    type: ExceptionFrameDto,
    description: 'INTERNAL: the store is unavailable; retry after `Retry-After` seconds.',
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', example: 1 } } },
  })
  async run(@Req() request: object, @Body() body: unknown): Promise<ServerFrame> {
    const user = await this.identify(request);
    const observer = this.options.observer;
    if (!this.rate.allowCaller(user?.id ?? `address:${nodeRequestOf(request).socket.remoteAddress}`)) {
      observer?.frameReceived('limited');
      throw RATE_LIMITED;
    }
    const frame = inspectMessage(body);
    observer?.frameReceived(frame.event);
    if (frame.error) throw new ProtocolException(frame.error.code, frame.error.message);
    const { event, data } = frame.command;
    const command: unknown = wsValidationPipe.transform(data, { type: 'body', metatype: COMMAND_DTOS[event] });
    switch (event) {
      case 'subscribe':
        return this.subscribe(user, command as StreamSubscribeDto);
      case 'unsubscribe': {
        const { streamId, ...unsubscribe } = command as StreamUnsubscribeDto;
        return this.commands.unsubscribe(this.streamOf(user, streamId), unsubscribe);
      }
      case 'read':
        return (await this.commands.read(user, command as ReadDto)).reply;
      case 'mark':
        return { event: 'counts', data: await this.inboxCommands.mark(callerOf(user), command as MarkDto) };
      case 'inbox':
        return { event: 'inbox', data: await this.inboxCommands.inbox(callerOf(user), command as InboxCommandDto) };
      case 'auth':
        return this.commands.auth(user, command as AuthDto);
      case 'ping':
        return this.commands.ping();
    }
  }

  private async identify(request: object): Promise<ConnectionUser | null> {
    try {
      return await this.authenticator.authenticate(nodeRequestOf(request));
    } catch (error) {
      if (error instanceof HandshakeRefusal) throw new ProtocolException(error.status === 403 ? 'FORBIDDEN' : 'UNAUTHORIZED', error.message);
      throw error;
    }
  }

  /** Answers as soon as `subscribed` is written to the stream; the replay it announces follows there. */
  private subscribe(user: ConnectionUser | null, { streamId, topic, since }: StreamSubscribeDto): Promise<ServerFrame> {
    const stream = this.streamOf(user, streamId);
    return new Promise((resolve, reject) => {
      let answered = false;
      const answer = (data: SubscribedData) => {
        answered = true;
        resolve({ event: 'subscribed', data });
      };
      this.commands.subscribe(stream, since === undefined ? { topic } : { topic, since }, answer).then(
        // Ended without `subscribed`: the stream closed, or left the topic, meanwhile.
        () => reject(streamGone()),
        (error: Error) => {
          if (!answered) return reject(error);
          // The replay failed after `subscribed`: the stream hears of it as a WebSocket would.
          this.logger.warn(`replay for a stream failed: ${error.message}`);
          const cause = causeOf('subscribe', { topic, since, streamId });
          this.hub.send(stream, 'exception', { status: 'error', code: 'INTERNAL', message: 'internal error', cause });
        },
      );
    });
  }

  private streamOf(user: ConnectionUser | null, streamId: string): EventStreamConnection {
    const stream = this.streams.get(streamId);
    if (!stream) throw streamGone();
    if (stream.userId !== (user?.id ?? null)) throw new ProtocolException('FORBIDDEN', "the stream is another user's");
    return stream;
  }
}

const streamGone = () =>
  new ProtocolException('VALIDATION_FAILED', 'no such stream', [{ field: 'streamId', messages: ['streamId must name an open stream of this instance'] }]);
