export { NotificationsModule } from './notifications.module.js';
export { NotificationsService, type PublishOptions } from './notifications.service.js';
export { NotificationsWsAdapter } from './gateway/notifications-ws.adapter.js';
export { NOTIFICATIONS_OPTIONS } from './notifications.module-definition.js';
export type {
  ConnectionUser,
  NotificationsHooks,
  NotificationsModuleOptions,
  NotificationsSettings,
  ResolvedNotificationsOptions,
} from './notifications.options.js';
export { isInsecureDevMode } from './notifications.options.js';
export type { NotificationsObserver } from './notifications.observer.js';
export type { InboxItem, Notification, NotificationDraft } from './notification.model.js';
export type { AcceptedNotification, InboxPage, InboxQuery, ReadResult, ReadSelection, TopicHistory } from './store/notification-store.js';
export { NOTIFICATION_STORE, type NotificationStore } from './store/notification-store.js';
export type { InboxCounts, InboxFlags } from './notification.model.js';
export type { InboxFlagChange, MarkResult } from './store/notification-store.js';
export { NOTIFICATION_BROKER, type NotificationBroker } from './broker/notification-broker.js';
export type { PresenceTransition } from './presence/presence.tracker.js';
export type { WebhookEvent, WebhookEventType } from './webhooks/webhook.event.js';
