import type { NotificationsObserver } from '../notifications.observer.js';
import type { HubEvent, HubEventListener, NotificationBroker } from './notification-broker.js';

/** A broker that tells the observer about its failures; everything else passes through unchanged. */
export class ObservedNotificationBroker implements NotificationBroker {
  constructor(
    private readonly broker: NotificationBroker,
    private readonly observer: NotificationsObserver,
  ) {}

  start(listener: HubEventListener): Promise<void> {
    return this.watch('start', this.broker.start(listener));
  }

  publish(events: HubEvent[]): Promise<void> {
    return this.watch('publish', this.broker.publish(events));
  }

  onResubscribe(handler: (subscribed: Promise<void>) => void): void {
    this.broker.onResubscribe(handler);
  }

  ping(): Promise<void> {
    return this.watch('ping', this.broker.ping());
  }

  close(): Promise<void> {
    return this.broker.close();
  }

  private watch(operation: string, result: Promise<void>): Promise<void> {
    // A side branch: the caller still gets the original promise, rejection included.
    result.catch(() => this.observer.brokerFailed(operation));
    return result;
  }
}
