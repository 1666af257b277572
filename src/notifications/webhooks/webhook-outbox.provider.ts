import type { FactoryProvider } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { MemoryWebhookOutbox } from '../store/memory/memory-webhook.outbox.js';
import { NOTIFICATION_STORE } from '../store/notification-store.js';
import { WEBHOOK_OUTBOX, type WebhookOutbox } from './webhook.outbox.js';
import { WebhookSigner } from './webhook.signer.js';

/** Refuses webhook settings that cannot work, before anything starts. */
export function assertWebhookSettings(options: ResolvedNotificationsOptions): void {
  if (options.webhookUrl === undefined) return;
  if (!/^https?:\/\//.test(options.webhookUrl)) throw new Error('WEBHOOK_URL must be an http:// or https:// URL');
  if (!options.webhookSecret) throw new Error('WEBHOOK_URL is set but WEBHOOK_SECRET is not: webhook events must be signed');
  new WebhookSigner(options.webhookSecret);
}

/** The outbox beside the store named by STORE, opened; null without WEBHOOK_URL (no webhooks). */
export const webhookOutboxProvider: FactoryProvider<Promise<WebhookOutbox | null>> = {
  provide: WEBHOOK_OUTBOX,
  // After the store: its file (directory) or database exists by then.
  inject: [NOTIFICATIONS_OPTIONS, NOTIFICATION_STORE],
  useFactory: async (options: ResolvedNotificationsOptions) => {
    assertWebhookSettings(options);
    if (options.webhookUrl === undefined) return null;
    const outbox =
      options.store === 'memory'
        ? new MemoryWebhookOutbox()
        : options.store === 'postgres'
          ? new (await import('../store/postgres/postgres-webhook.outbox.js')).PostgresWebhookOutbox(options.databaseUrl!, options.storeTimeoutMs)
          : // Loaded here, like the store: a host without better-sqlite3 never imports it.
            new (await import('../store/sqlite/sqlite-webhook.outbox.js')).SqliteWebhookOutbox(options.sqlitePath);
    await outbox.open();
    return outbox;
  },
};
