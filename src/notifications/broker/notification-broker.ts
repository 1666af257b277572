import type { InboxCounts, Notification } from '../notification.model.js';

/**
 * What moves between instances: a notification to deliver (with `previousId`, the one before it
 * in its topic, when the store tells it, and for a personal one its user's counts after it), or
 * a user's new inbox counts (`skipConnectionId`: the connection whose command caused them, which
 * got them as its reply).
 */
export type HubEvent =
  | { kind: 'notification'; notification: Notification; counts?: InboxCounts; previousId?: string | null }
  | { kind: 'counts'; userId: string; counts: InboxCounts; skipConnectionId?: string }
  /** Sent first by an instance whose earlier publish failed: every Hub catches up from the store. */
  | { kind: 'catch-up' };

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
   * Called when a lost subscription is being restored, before any event that follows it can
   * reach the listener; `subscribed` settles once the subscription is in place. Events
   * published meanwhile may be missing, so the Hub holds its topics now and catches up from
   * the store once subscribed.
   */
  onResubscribe(handler: (subscribed: Promise<void>) => void): void;

  /** Throws when the broker is unreachable (readiness). */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export const NOTIFICATION_BROKER = Symbol('NOTIFICATION_BROKER');
