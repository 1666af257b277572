import { Inject, Injectable, Logger } from '@nestjs/common';
import { InvalidTokenError } from '../auth/invalid-token.error.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import { TopicAccess } from '../auth/topic-access.service.js';
import { ConnectionLimits } from '../gateway/connection-limits.service.js';
import { ProtocolException } from '../gateway/protocol.exception.js';
import type { Connection } from '../hub/connection.js';
import { Hub } from '../hub/hub.service.js';
import { TopicReplay } from '../hub/topic-replay.service.js';
import { BROADCAST_TOPIC, personalTopic } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';
import { NotificationsService } from '../notifications.service.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { ReadDto } from '../dto/read.dto.js';
import { selectionOf } from '../inbox/inbox-commands.service.js';
import type { AuthData, CountsData, ServerFrame, SubscribeData, SubscribedData, UnsubscribeData } from '../protocol/frames.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** What `read` answers: its reply frame, and the counts that follow it when they changed. */
export interface ReadReply {
  reply: ServerFrame;
  counts: CountsData | null;
}

/**
 * What the protocol's commands do, whichever edge they came through: the WebSocket gateway (a
 * frame on the socket) or `POST /commands` (a stream's client). Each returns the reply frame, or
 * throws a ProtocolException; the edge writes the reply where its client reads it. Also the first
 * frames of a new connection and its expiry, the same on both transports.
 */
@Injectable()
export class ConnectionCommands {
  private readonly logger = new Logger(ConnectionCommands.name);

  constructor(
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
    private readonly hub: Hub,
    private readonly replay: TopicReplay,
    private readonly tokens: TokenVerifier,
    private readonly access: TopicAccess,
    private readonly limits: ConnectionLimits,
    private readonly notifications: NotificationsService,
  ) {}

  /** Joins a connection just added to the Hub to its automatic topics and sends its first frames: `welcome`, then `unread` (for clients before contract 1.2) and `counts`. */
  greet(connection: Connection): void {
    this.hub.join(connection, BROADCAST_TOPIC);
    if (connection.userId !== null) this.hub.join(connection, personalTopic(connection.userId));
    this.hub.send(connection, 'welcome', {
      connectionId: connection.connectionId,
      userId: connection.userId,
      heartbeatMs: this.options.heartbeatMs,
    });
    if (connection.userId === null) return;
    this.scheduleExpiry(connection);
    this.notifications.counts(connection.userId).then(
      ({ unread, unseen }) => {
        this.hub.send(connection, 'unread', { count: unread });
        this.hub.send(connection, 'counts', { unread, unseen });
      },
      (error: Error) => this.logger.warn(`counts for a new connection failed: ${error.message}`),
    );
  }

  /**
   * `subscribe` (FORBIDDEN, LIMIT_EXCEEDED): its reply, `subscribed`, and the replay go to the
   * connection; `answered` hears the reply too.
   */
  async subscribe(connection: Connection, { topic, since }: SubscribeData, answered?: (reply: SubscribedData) => void): Promise<void> {
    this.limits.assertMaySubscribe(connection, topic);
    if (!(await this.access.maySubscribe(connection.user, topic))) {
      throw new ProtocolException('FORBIDDEN', `not allowed to subscribe to "${topic}"`);
    }
    // Other subscribes may have joined while this one was authorized: the limit holds after the
    // wait too, checked in the same turn as the join (no await between them).
    this.limits.assertMaySubscribe(connection, topic);
    await this.replay.subscribe(connection, topic, since, answered);
  }

  unsubscribe(connection: Connection, { topic }: UnsubscribeData): ServerFrame {
    this.hub.leave(connection, topic);
    return { event: 'unsubscribed', data: { topic } };
  }

  /**
   * `read` (`mark {read: true}`): its reply `unread`, and the counts the caller hears after it when
   * they changed; the user's other connections (all but `skipConnectionId`) hear both.
   */
  async read(user: ConnectionUser | null, selection: ReadDto, skipConnectionId?: string): Promise<ReadReply> {
    if (user === null) throw new ProtocolException('FORBIDDEN', 'anonymous connections have no inbox');
    const { unread, unseen, countsChanged } = await this.notifications.mark(user.id, selectionOf(selection), { read: true }, skipConnectionId);
    return { reply: { event: 'unread', data: { count: unread } }, counts: countsChanged ? { unread, unseen } : null };
  }

  /** `auth`: verifies a fresh token for the same user; `connection`, when given and still open, takes it and its new expiry. */
  async auth(user: ConnectionUser | null, { token }: AuthData, connection?: Connection): Promise<ServerFrame> {
    let fresh: ConnectionUser;
    try {
      fresh = await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new ProtocolException('UNAUTHORIZED', 'token does not verify');
      throw error;
    }
    if (fresh.id !== user?.id) throw new ProtocolException('FORBIDDEN', 'token is for another user');
    // The connection may have closed while the token was verified: no expiry timer for one that is gone.
    if (connection && this.hub.connections.has(connection)) {
      connection.user = fresh;
      this.scheduleExpiry(connection);
    }
    const expiresAt = fresh.expiresAt === undefined ? null : new Date(fresh.expiresAt * 1000).toISOString();
    return { event: 'authenticated', data: { userId: fresh.id, expiresAt } };
  }

  ping(): ServerFrame {
    return { event: 'pong', data: { time: new Date().toISOString() } };
  }

  /** Ends the connection (4001) when its identity expires. */
  private scheduleExpiry(connection: Connection): void {
    clearTimeout(connection.expiryTimer);
    const expiresAt = connection.user?.expiresAt;
    if (expiresAt === undefined) return;
    // The same skew the token was verified with: a token accepted just past its exp is not closed at once.
    const delay = Math.max(0, (expiresAt + this.options.jwtClockToleranceS) * 1000 - Date.now());
    if (delay > MAX_TIMER_MS) return;
    connection.expiryTimer = setTimeout(() => this.hub.close(connection, CloseCode.TOKEN_EXPIRED, 'token expired'), delay).unref();
  }
}
