import { Inject, Injectable } from '@nestjs/common';
import { BROADCAST_TOPIC, PRIVATE_TOPIC_PREFIX, topicOwner } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';

/**
 * Who may subscribe to what: `user:<id>` only its owner, `private:*` only with a `topics`
 * claim that covers it or the host's `authorize` hook, every other topic anyone.
 */
@Injectable()
export class TopicAccess {
  constructor(@Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions) {}

  async maySubscribe(user: ConnectionUser | null, topic: string): Promise<boolean> {
    const owner = topicOwner(topic);
    if (owner !== null) return user?.id === owner;
    if (topic === BROADCAST_TOPIC || !topic.startsWith(PRIVATE_TOPIC_PREFIX)) return true;
    if (user?.topics?.some((grant) => covers(grant, topic))) return true;
    return this.options.authorize ? Boolean(await this.options.authorize(user, topic)) : false;
  }
}

const covers = (grant: string, topic: string): boolean =>
  grant.endsWith('*') ? topic.startsWith(grant.slice(0, -1)) : grant === topic;
