import { Inject, Injectable } from '@nestjs/common';
import type { Connection } from '../hub/connection.js';
import { Hub } from '../hub/hub.service.js';
import { BROADCAST_TOPIC, personalTopic, topicOwner } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';
import { ProtocolException } from './protocol.exception.js';

/** MAX_CONNECTIONS, MAX_CONNECTIONS_PER_USER and MAX_SUBSCRIPTIONS, counted on this instance. */
@Injectable()
export class ConnectionLimits {
  constructor(
    private readonly hub: Hub,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  /** The status one more connection of `user` is refused with (503: instance full, 429: user), or null. */
  refusal(user: ConnectionUser | null): 503 | 429 | null {
    if (this.hub.connections.size >= this.options.maxConnections) return 503;
    if (user && this.hub.userConnectionCount(user.id) >= this.options.maxConnectionsPerUser) return 429;
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
