import { Inject, Injectable } from '@nestjs/common';
import type { Connection } from '../hub/connection.js';
import { Hub } from '../hub/hub.service.js';
import { BROADCAST_TOPIC, personalTopic, topicOwner } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';
import { CloseCode } from '../protocol/close-codes.js';
import { ProtocolException } from './protocol.exception.js';

/** How a connection past a limit is refused: at the handshake, or closed at once when handshakes raced past the check. */
export interface LimitRefusal {
  status: 503 | 429;
  reason: string;
  headers?: Record<string, string>;
  closeCode: number;
}

/** What a handshake refused for MAX_CONNECTIONS tells the client to wait, in seconds. */
const FULL_RETRY_AFTER_S = 5;
const INSTANCE_FULL: LimitRefusal = { status: 503, reason: 'server full', headers: { 'Retry-After': String(FULL_RETRY_AFTER_S) }, closeCode: CloseCode.TRY_AGAIN_LATER };
const USER_FULL: LimitRefusal = { status: 429, reason: 'too many connections for this user', closeCode: CloseCode.POLICY };
/** A handshake or stream that arrives while the service stops (under way when it stopped listening, or in a host still listening) comes back in a second. */
export const SHUTTING_DOWN: LimitRefusal = { status: 503, reason: 'shutting down', headers: { 'Retry-After': '1' }, closeCode: CloseCode.GOING_AWAY };

/** MAX_CONNECTIONS, MAX_CONNECTIONS_PER_USER and MAX_SUBSCRIPTIONS, counted on this instance. */
@Injectable()
export class ConnectionLimits {
  constructor(
    private readonly hub: Hub,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  /** Why one more connection of `user` is refused, or null when it may open. */
  refusal(user: ConnectionUser | null): LimitRefusal | null {
    if (this.hub.connections.size >= this.options.maxConnections) return INSTANCE_FULL;
    if (user && this.hub.userConnectionCount(user.id) >= this.options.maxConnectionsPerUser) return USER_FULL;
    return null;
  }

  /** LIMIT_EXCEEDED when `topic` would be one subscription more than MAX_SUBSCRIPTIONS; the automatic ones do not count. */
  assertMaySubscribe(connection: Connection, topic: string): void {
    if (connection.topics.has(topic) || topic === BROADCAST_TOPIC || topicOwner(topic) !== null) return;
    let counted = connection.topics.size;
    for (const automatic of [BROADCAST_TOPIC, connection.userId === null ? null : personalTopic(connection.userId)]) {
      if (automatic !== null && connection.topics.has(automatic)) counted--;
    }
    if (counted >= this.options.maxSubscriptions) {
      throw new ProtocolException('LIMIT_EXCEEDED', `at most ${this.options.maxSubscriptions} subscriptions per connection`);
    }
  }
}
