import type { FactoryProvider } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { MemoryNotificationStore } from './memory/memory.store.js';
import { NOTIFICATION_STORE, type NotificationStore } from './notification-store.js';
import { ObservedNotificationStore } from './observed.store.js';
import { importDriver } from '../optional-driver.js';

/** The store named by STORE, opened (migrations run) before anything uses it. */
export const storeProvider: FactoryProvider<Promise<NotificationStore>> = {
  provide: NOTIFICATION_STORE,
  inject: [NOTIFICATIONS_OPTIONS],
  useFactory: async (options: ResolvedNotificationsOptions) => {
    const retention = { historyLimit: options.historyLimit, historyTtlS: options.historyTtlS };
    const queue = { maxPendingWrites: options.maxPendingWrites };
    // Each driver is an optional dependency, loaded only by the deployments that choose its store.
    const store =
      options.store === 'memory'
        ? new MemoryNotificationStore(retention, queue)
        : options.store === 'postgres'
          ? new (await importDriver(() => import('./postgres/postgres.store.js'), 'pg', "store 'postgres'")).PostgresNotificationStore(
              options.databaseUrl!,
              retention,
              { ...queue, timeoutMs: options.storeTimeoutMs },
            )
          : new (await importDriver(() => import('./sqlite/sqlite.store.js'), 'better-sqlite3', "store 'sqlite'")).SqliteNotificationStore(
              options.sqlitePath,
              retention,
              queue,
            );
    const observed = options.observer ? new ObservedNotificationStore(store, options.observer) : store;
    await observed.open();
    return observed;
  },
};
