import type { FactoryProvider } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { importDriver } from '../optional-driver.js';
import type { StoreQueueOptions } from './group-commit.queue.js';
import { MemoryNotificationStore } from './memory/memory.store.js';
import { NOTIFICATION_STORE, type NotificationStore } from './notification-store.js';
import { ObservedNotificationStore } from './observed.store.js';
import type { RetentionPolicy } from './retention-policy.js';

/** The store named by STORE, opened (migrations run) before anything uses it. */
export const storeProvider: FactoryProvider<Promise<NotificationStore>> = {
  provide: NOTIFICATION_STORE,
  inject: [NOTIFICATIONS_OPTIONS],
  useFactory: async (options: ResolvedNotificationsOptions) => {
    const retention = { historyLimit: options.historyLimit, historyTtlS: options.historyTtlS };
    const queue = { maxPendingWrites: options.maxPendingWrites };
    const store = await createStore(options, retention, queue);
    const observed = options.observer ? new ObservedNotificationStore(store, options.observer) : store;
    await observed.open();
    return observed;
  },
};

/** Each driver is an optional dependency, loaded only by the deployments that choose its store. */
async function createStore(options: ResolvedNotificationsOptions, retention: RetentionPolicy, queue: StoreQueueOptions): Promise<NotificationStore> {
  switch (options.store) {
    case 'memory':
      return new MemoryNotificationStore(retention, queue);
    case 'postgres': {
      const { PostgresNotificationStore } = await importDriver(() => import('./postgres/postgres.store.js'), 'pg', "store 'postgres'");
      return new PostgresNotificationStore(options.databaseUrl!, retention, { ...queue, timeoutMs: options.storeTimeoutMs });
    }
    case 'sqlite': {
      const { SqliteNotificationStore } = await importDriver(() => import('./sqlite/sqlite.store.js'), 'better-sqlite3', "store 'sqlite'");
      return new SqliteNotificationStore(options.sqlitePath, retention, queue);
    }
  }
}
