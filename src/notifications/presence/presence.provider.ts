import type { FactoryProvider } from '@nestjs/common';
import { NOTIFICATION_BROKER } from '../broker/notification-broker.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { LocalPresenceTracker } from './local-presence.tracker.js';
import { PRESENCE_TRACKER, type PresenceTracker } from './presence.tracker.js';

/** Presence in Redis with BROKER=redis (cluster-wide), in this process otherwise. */
export const presenceProvider: FactoryProvider<Promise<PresenceTracker>> = {
  provide: PRESENCE_TRACKER,
  // After the broker: its connection settings are checked by then, and both load ioredis one at a time.
  inject: [NOTIFICATIONS_OPTIONS, NOTIFICATION_BROKER],
  useFactory: async (options: ResolvedNotificationsOptions) => {
    const graceMs = options.presenceGraceS * 1000;
    if (options.broker !== 'redis') return new LocalPresenceTracker(graceMs);
    const { RedisPresenceTracker } = await import('./redis-presence.tracker.js');
    return new RedisPresenceTracker(options.redisUrl!, {
      namespace: options.redisChannel,
      graceMs,
      heartbeatMs: options.heartbeatMs,
      timeoutMs: options.brokerTimeoutMs,
    });
  },
};
