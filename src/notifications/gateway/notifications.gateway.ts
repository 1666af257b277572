import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Logger, UseFilters, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { HandshakeAuthenticator, HandshakeRefusal } from '../auth/handshake-authenticator.service.js';
import { ConnectionCommands } from '../commands/connection-commands.service.js';
import { AuthDto } from '../dto/auth.dto.js';
import { InboxCommandDto } from '../dto/inbox-command.dto.js';
import { MarkDto } from '../dto/mark.dto.js';
import { PingDto } from '../dto/ping.dto.js';
import { ReadDto } from '../dto/read.dto.js';
import { SubscribeDto } from '../dto/subscribe.dto.js';
import { UnsubscribeDto } from '../dto/unsubscribe.dto.js';
import { coalesceWrites } from '../hub/coalesced-writes.js';
import type { Connection } from '../hub/connection.js';
import { Hub } from '../hub/hub.service.js';
import { WebSocketConnection } from '../hub/websocket.connection.js';
import { InboxCommands } from '../inbox/inbox-commands.service.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import { type ConnectionUser, DEFAULT_SETTINGS, type ResolvedNotificationsOptions } from '../notifications.options.js';
import { CloseCode } from '../protocol/close-codes.js';
import { SUBPROTOCOL } from '../protocol/events.js';
import type { ExceptionData } from '../protocol/exceptions.js';
import type { ClientEvent, ServerFrame } from '../protocol/frames.js';
import { acceptCommand, inspectsFrames } from './accepted-commands.js';
import { CommandRateLimiter } from './command-rate.limiter.js';
import { ConnectionLimits, SHUTTING_DOWN } from './connection-limits.service.js';
import { ExceptionReporter } from './exception-reporter.service.js';
import { inspectFrame } from './inbound-frame.js';
import { ProtocolException } from './protocol.exception.js';
import { ProtocolExceptionFilter } from './protocol-exception.filter.js';
import { wsValidationPipe } from './ws-validation.pipe.js';

/** A handler of one of the protocol's commands. */
const Command = (event: ClientEvent): MethodDecorator => SubscribeMessage(event);
const SHUTDOWN_GRACE_MS = 2000;
const FLUSH_POLL_MS = 10;
type HandshakeVerdict = (ok: boolean, status?: number, reason?: string, headers?: Record<string, string>) => void;

const RATE_LIMITED: ExceptionData = { status: 'error', code: 'RATE_LIMITED', message: 'too many commands: slow down' };

/** The WebSocket edge: handshake, commands, replies, exceptions and close codes. No delivery logic. */
@WebSocketGateway({ path: DEFAULT_SETTINGS.wsPath })
@UseFilters(ProtocolExceptionFilter)
@UsePipes(wsValidationPipe)
export class NotificationsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationsGateway.name);
  /** Identity resolved at the handshake, picked up by handleConnection. */
  private readonly handshakes = new WeakMap<IncomingMessage, ConnectionUser | null>();
  private accepting = true;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onFrame: (this: WebSocket, raw: RawData, isBinary: boolean) => void;

  constructor(
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
    private readonly hub: Hub,
    private readonly authenticator: HandshakeAuthenticator,
    reporter: ExceptionReporter,
    rate: CommandRateLimiter,
    private readonly limits: ConnectionLimits,
    private readonly commands: ConnectionCommands,
    private readonly inboxCommands: InboxCommands,
  ) {
    // Listeners shared by every socket (ws calls them with the socket as `this`): no closure per connection.
    const observer = options.observer;
    this.onPong = function (this: WebSocket) {
      const connection = hub.connectionOf(this);
      if (connection) connection.missedPongs = 0;
    };
    this.onFrame = function (this: WebSocket, raw: RawData, isBinary: boolean) {
      const connection = hub.connectionOf(this);
      if (!connection) return;
      // Over the rate, a frame is answered without being parsed.
      if (!rate.allow(connection)) {
        observer?.frameReceived('limited');
        return reporter.report(this, RATE_LIMITED);
      }
      const frame = inspectFrame(raw, isBinary);
      observer?.frameReceived(frame.event);
      if (frame.error) reporter.report(this, frame.error);
      else acceptCommand(raw, frame.command);
    };
  }

  /** ws reads these options at every upgrade, so the configured ones apply from here on. */
  afterInit(server: WebSocketServer): void {
    (server as WebSocketServer & { path: string }).path = this.options.wsPath;
    Object.assign(server.options, {
      maxPayload: this.options.maxPayloadBytes,
      perMessageDeflate: false,
      handleProtocols: (offered: Set<string>) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      verifyClient: (info: { req: IncomingMessage }, done: HandshakeVerdict) =>
        this.verifyHandshake(info.req, done),
    });
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    // An error escaping here would end the process (Nest 12.1): close the one socket instead.
    try {
      const user = this.handshakes.get(request) ?? null;
      this.handshakes.delete(request);
      // Binary frames then never parse as commands in the adapter; the inspector answers them.
      socket.binaryType = 'arraybuffer';
      // Handshakes that raced past the limits together are closed at once (see verifyHandshake).
      const refused = this.limits.refusal(user);
      if (refused) return socket.close(refused.closeCode, refused.reason);
      const connection = new WebSocketConnection(socket, randomUUID(), user);
      this.hub.add(connection);
      socket.on('pong', this.onPong);
      inspectsFrames(socket);
      socket.on('message', this.onFrame);
      this.commands.greet(connection);
      this.logger.debug({ connectionId: connection.connectionId, userId: connection.userId }, 'connection opened');
    } catch (error) {
      this.logger.error(`connection setup failed: ${(error as Error).message}`);
      socket.close(CloseCode.INTERNAL, 'internal error');
    }
  }

  handleDisconnect(socket: WebSocket): void {
    const connection = this.hub.connectionOf(socket);
    if (!connection) return;
    clearTimeout(connection.expiryTimer);
    this.hub.remove(connection);
    this.logger.debug({ connectionId: connection.connectionId }, 'connection closed');
  }

  @Command('subscribe')
  async subscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() command: SubscribeDto): Promise<void> {
    await this.commands.subscribe(this.connectionOf(socket), command);
  }

  @Command('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() command: UnsubscribeDto): void {
    const connection = this.connectionOf(socket);
    this.reply(connection, this.commands.unsubscribe(connection, command));
  }

  @Command('read')
  async read(@ConnectedSocket() socket: WebSocket, @MessageBody() selection: ReadDto): Promise<void> {
    const connection = this.connectionOf(socket);
    const { reply, counts } = await this.commands.read(connection.user, selection, connection.connectionId);
    this.reply(connection, reply);
    // The reply of contract 1.0, then what every other connection of the user hears too.
    if (counts) this.hub.send(connection, 'counts', counts);
  }

  @Command('mark')
  async mark(@ConnectedSocket() socket: WebSocket, @MessageBody() dto: MarkDto): Promise<void> {
    const connection = this.connectionOf(socket);
    this.hub.send(connection, 'counts', await this.inboxCommands.mark(connection, dto));
  }

  @Command('inbox')
  async inbox(@ConnectedSocket() socket: WebSocket, @MessageBody() dto: InboxCommandDto): Promise<void> {
    const connection = this.connectionOf(socket);
    this.hub.send(connection, 'inbox', await this.inboxCommands.inbox(connection, dto));
  }

  @Command('auth')
  async auth(@ConnectedSocket() socket: WebSocket, @MessageBody() command: AuthDto): Promise<void> {
    const connection = this.connectionOf(socket);
    this.reply(connection, await this.commands.auth(connection.user, command, connection));
  }

  @Command('ping')
  ping(@ConnectedSocket() socket: WebSocket, @MessageBody() _: PingDto): void {
    this.reply(this.connectionOf(socket), this.commands.ping());
  }

  /**
   * Refuses new connections and sends every open one its close (1001; SSE streams end), then waits
   * until those have left for the kernel, at most SHUTDOWN_GRACE_MS: not for each client's reply,
   * as Nest's adapter terminates the sockets next. Waiting for 10,000 replies cost a deploy a second.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    const connections = [...this.hub.connections];
    this.hub.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    const unsent = (connection: Connection) => !connection.output.destroyed && connection.output.writableLength > 0;
    // Most closes leave at once: each poll looks only at the ones that had not.
    for (let waiting = connections.filter(unsent); waiting.length > 0 && Date.now() < deadline; waiting = waiting.filter(unsent)) {
      await delay(FLUSH_POLL_MS);
    }
  }

  private verifyHandshake(request: IncomingMessage, done: HandshakeVerdict): void {
    if (!this.accepting) return done(false, SHUTTING_DOWN.status, SHUTTING_DOWN.reason, SHUTTING_DOWN.headers);
    // Refused before the token is verified: a full instance spends nothing on it.
    const full = this.limits.refusal(null);
    if (full) return done(false, full.status, full.reason, full.headers);
    this.authenticator.authenticate(request).then(
      (user) => {
        const refused = this.limits.refusal(user);
        if (refused) return done(false, refused.status, refused.reason, refused.headers);
        this.handshakes.set(request, user);
        // The 101 answer, `welcome` and the counts leave together.
        coalesceWrites(request.socket);
        done(true);
      },
      (error: unknown) => {
        if (error instanceof HandshakeRefusal) return done(false, error.status, error.message);
        this.logger.error(`handshake failed: ${(error as Error).message}`);
        done(false, 500, 'internal error');
      },
    );
  }

  private reply(connection: WebSocketConnection, { event, data }: ServerFrame): void {
    this.hub.send(connection, event, data);
  }

  private connectionOf(socket: WebSocket): WebSocketConnection {
    const connection = this.hub.connectionOf(socket);
    if (!connection) throw new ProtocolException('INTERNAL', 'connection is not registered');
    return connection;
  }
}
