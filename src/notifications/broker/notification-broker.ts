import type { Notification } from '../notification.model.js';

/**
 * What moves between instances: a notification to deliver, or a user's new unread count
 * (`skipConnectionId`: the connection whose `read` caused it, which got it as its reply).
 */
export type HubEvent =
  | { kind: 'notification'; notification: Notification; unreadCount?: number }
  | { kind: 'unread'; userId: string; count: number; skipConnectionId?: string };

export type HubEventListener = (event: HubEvent) => void;

/**
 * Moves hub events to the Hub of every instance (the local broker: only this one).
 * Knows nothing of sockets. Events published by one instance reach listeners in the
 * order they were published.
 */
export interface NotificationBroker {
  /** Connects and subscribes; `listener` receives every event from every instance, this one included. */
  start(listener: HubEventListener): Promise<void>;

  publish(events: HubEvent[]): Promise<void>;

  /**
   * Called after the broker lost and regained its subscription: events published meanwhile
   * may be missing, so the Hub catches up from the store.
   */
  onResubscribed(handler: () => void): void;

  /** Throws when the broker is unreachable (readiness). */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export const NOTIFICATION_BROKER = Symbol('NOTIFICATION_BROKER');
