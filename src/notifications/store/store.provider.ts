import type { FactoryProvider } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { MemoryNotificationStore } from './memory/memory.store.js';
import { NOTIFICATION_STORE, type NotificationStore } from './notification-store.js';
import { ObservedNotificationStore } from './observed.store.js';
import { SqliteNotificationStore } from './sqlite/sqlite.store.js';

/** The store named by STORE, opened (migrations run) before anything uses it. */
export const storeProvider: FactoryProvider<Promise<NotificationStore>> = {
  provide: NOTIFICATION_STORE,
  inject: [NOTIFICATIONS_OPTIONS],
  useFactory: async (options: ResolvedNotificationsOptions) => {
    const retention = { historyLimit: options.historyLimit, historyTtlS: options.historyTtlS };
    const queue = { maxPendingWrites: options.maxPendingWrites };
    // pg is loaded only by the deployments that use it.
    const store =
      options.store === 'memory'
        ? new MemoryNotificationStore(retention, queue)
        : options.store === 'postgres'
          ? new (await import('./postgres/postgres.store.js')).PostgresNotificationStore(options.databaseUrl!, retention, {
              ...queue,
              timeoutMs: options.storeTimeoutMs,
            })
          : new SqliteNotificationStore(options.sqlitePath, retention, queue);
    const observed = options.observer ? new ObservedNotificationStore(store, options.observer) : store;
    await observed.open();
    return observed;
  },
};
