import type { FactoryProvider } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { importDriver } from '../optional-driver.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import { LocalBroker } from './local.broker.js';
import { NOTIFICATION_BROKER, type NotificationBroker } from './notification-broker.js';
import { ObservedNotificationBroker } from './observed.broker.js';

/** The broker named by BROKER; NotificationsService starts it with the Hub as listener. */
export const brokerProvider: FactoryProvider<Promise<NotificationBroker>> = {
  provide: NOTIFICATION_BROKER,
  // The store is opened by then: its epoch tells the broker which notification ids are real.
  inject: [NOTIFICATIONS_OPTIONS, NOTIFICATION_STORE],
  // ioredis is an optional dependency, loaded only by the deployments that choose Redis.
  useFactory: async (options: ResolvedNotificationsOptions, store: NotificationStore) => {
    const broker =
      options.broker === 'redis'
        ? new (await importDriver(() => import('./redis.broker.js'), 'ioredis', "broker 'redis'")).RedisBroker(options.redisUrl!, {
            epoch: store.epoch,
            channel: options.redisChannel,
            timeoutMs: options.brokerTimeoutMs,
          })
        : new LocalBroker();
    return options.observer ? new ObservedNotificationBroker(broker, options.observer) : broker;
  },
};
