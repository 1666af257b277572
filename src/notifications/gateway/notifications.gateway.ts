import { randomUUID } from 'node:crypto';
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
import { InvalidTokenError } from '../auth/invalid-token.error.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import { TopicAccess } from '../auth/topic-access.service.js';
import { AuthDto } from '../dto/auth.dto.js';
import { InboxCommandDto } from '../dto/inbox-command.dto.js';
import { MarkDto } from '../dto/mark.dto.js';
import { PingDto } from '../dto/ping.dto.js';
import { ReadDto } from '../dto/read.dto.js';
import { SubscribeDto } from '../dto/subscribe.dto.js';
import { UnsubscribeDto } from '../dto/unsubscribe.dto.js';
import { Hub } from '../hub/hub.service.js';
import { Connection } from '../hub/connection.js';
import { TopicReplay } from '../hub/topic-replay.service.js';
import { InboxCommands, selectionOf } from '../inbox/inbox-commands.service.js';
import { BROADCAST_TOPIC, personalTopic } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import { type ConnectionUser, DEFAULT_SETTINGS, type ResolvedNotificationsOptions } from '../notifications.options.js';
import { NotificationsService } from '../notifications.service.js';
import { CloseCode } from '../protocol/close-codes.js';
import { SUBPROTOCOL } from '../protocol/events.js';
import type { ExceptionData } from '../protocol/exceptions.js';
import type { ClientEvent } from '../protocol/frames.js';
import { acceptCommand, inspectsFrames } from './accepted-commands.js';
import { CommandRateLimiter } from './command-rate.limiter.js';
import { ConnectionLimits } from './connection-limits.service.js';
import { ExceptionReporter } from './exception-reporter.service.js';
import { inspectFrame } from './inbound-frame.js';
import { ProtocolException } from './protocol.exception.js';
import { ProtocolExceptionFilter } from './protocol-exception.filter.js';
import { wsValidationPipe } from './ws-validation.pipe.js';

/** A handler of one of the protocol's commands. */
const Command = (event: ClientEvent): MethodDecorator => SubscribeMessage(event);
const MAX_TIMER_MS = 2 ** 31 - 1;
const SHUTDOWN_GRACE_MS = 2000;
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
    private readonly replay: TopicReplay,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly tokens: TokenVerifier,
    private readonly access: TopicAccess,
    reporter: ExceptionReporter,
    rate: CommandRateLimiter,
    private readonly limits: ConnectionLimits,
    private readonly notifications: NotificationsService,
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
      const connection = new Connection(socket, randomUUID(), user);
      this.hub.add(connection);
      socket.on('pong', this.onPong);
      inspectsFrames(socket);
      socket.on('message', this.onFrame);
      this.hub.join(connection, BROADCAST_TOPIC);
      if (user) this.hub.join(connection, personalTopic(user.id));
      this.hub.send(connection, 'welcome', {
        connectionId: connection.connectionId,
        userId: connection.userId,
        heartbeatMs: this.options.heartbeatMs,
      });
      this.logger.debug({ connectionId: connection.connectionId, userId: connection.userId }, 'connection opened');
      if (user) {
        this.scheduleExpiry(connection);
        this.sendCounts(connection, user.id);
      }
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
  async subscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() { topic, since }: SubscribeDto): Promise<void> {
    const connection = this.connectionOf(socket);
    this.limits.assertMaySubscribe(connection, topic);
    if (!(await this.access.maySubscribe(connection.user, topic))) {
      throw new ProtocolException('FORBIDDEN', `not allowed to subscribe to "${topic}"`);
    }
    // Other subscribes may have joined while this one was authorized: the limit holds after the wait too.
    this.limits.assertMaySubscribe(connection, topic);
    await this.replay.subscribe(connection, topic, since);
  }

  @Command('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() { topic }: UnsubscribeDto): void {
    const connection = this.connectionOf(socket);
    this.hub.leave(connection, topic);
    this.hub.send(connection, 'unsubscribed', { topic });
  }

  @Command('read')
  async read(@ConnectedSocket() socket: WebSocket, @MessageBody() selection: ReadDto): Promise<void> {
    const connection = this.connectionOf(socket);
    if (connection.userId === null) throw new ProtocolException('FORBIDDEN', 'anonymous connections have no inbox');
    const { unread, unseen, countsChanged } = await this.notifications.mark(connection.userId, selectionOf(selection), { read: true }, connection.connectionId);
    this.hub.send(connection, 'unread', { count: unread });
    // The reply of contract 1.0, then what every other connection of the user hears too.
    if (countsChanged) this.hub.send(connection, 'counts', { unread, unseen });
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
  async auth(@ConnectedSocket() socket: WebSocket, @MessageBody() { token }: AuthDto): Promise<void> {
    const connection = this.connectionOf(socket);
    let user: ConnectionUser;
    try {
      user = await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new ProtocolException('UNAUTHORIZED', 'token does not verify');
      throw error;
    }
    if (user.id !== connection.userId) throw new ProtocolException('FORBIDDEN', 'token is for another user');
    // The socket may have closed while the token was verified: no expiry timer for a connection that is gone.
    if (!this.hub.connections.has(connection)) return;
    connection.user = user;
    this.scheduleExpiry(connection);
    const expiresAt = user.expiresAt === undefined ? null : new Date(user.expiresAt * 1000).toISOString();
    this.hub.send(connection, 'authenticated', { userId: user.id, expiresAt });
  }

  @Command('ping')
  ping(@ConnectedSocket() socket: WebSocket, @MessageBody() _: PingDto): void {
    const connection = this.connectionOf(socket);
    this.hub.send(connection, 'pong', { time: new Date().toISOString() });
  }

  /** Refuses new connections and closes open ones with 1001, giving them a moment to go. */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    const closed = [...this.hub.connections].map(
      ({ socket }) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
    );
    this.hub.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
  }

  private verifyHandshake(request: IncomingMessage, done: HandshakeVerdict): void {
    if (!this.accepting) return done(false, 503, 'shutting down');
    // Refused before the token is verified: a full instance spends nothing on it.
    const full = this.limits.refusal(null);
    if (full) return done(false, full.status, full.reason, full.headers);
    this.authenticator.authenticate(request).then(
      (user) => {
        const refused = this.limits.refusal(user);
        if (refused) return done(false, refused.status, refused.reason, refused.headers);
        this.handshakes.set(request, user);
        done(true);
      },
      (error: unknown) => {
        if (error instanceof HandshakeRefusal) return done(false, error.status, error.message);
        this.logger.error(`handshake failed: ${(error as Error).message}`);
        done(false, 500, 'internal error');
      },
    );
  }

  private scheduleExpiry(connection: Connection): void {
    clearTimeout(connection.expiryTimer);
    const expiresAt = connection.user?.expiresAt;
    if (expiresAt === undefined) return;
    // The same skew the token was verified with: a token accepted just past its exp is not closed at once.
    const delay = Math.max(0, (expiresAt + this.options.jwtClockToleranceS) * 1000 - Date.now());
    if (delay > MAX_TIMER_MS) return;
    connection.expiryTimer = setTimeout(() => this.hub.close(connection, CloseCode.TOKEN_EXPIRED, 'token expired'), delay).unref();
  }

  /** The counts a new connection starts from: `unread` (for clients before contract 1.2), then `counts`. */
  private sendCounts(connection: Connection, userId: string): void {
    this.notifications.counts(userId).then(
      ({ unread, unseen }) => {
        this.hub.send(connection, 'unread', { count: unread });
        this.hub.send(connection, 'counts', { unread, unseen });
      },
      (error: Error) => this.logger.warn(`counts for a new connection failed: ${error.message}`),
    );
  }

  private connectionOf(socket: WebSocket): Connection {
    const connection = this.hub.connectionOf(socket);
    if (!connection) throw new ProtocolException('INTERNAL', 'connection is not registered');
    return connection;
  }
}
