import type { HubEvent, HubEventListener, NotificationBroker } from './notification-broker.js';

/**
 * The single-instance broker: publish hands every event straight to this instance's
 * listener, synchronously and in order. It has no connection to lose, so it never resubscribes.
 */
export class LocalBroker implements NotificationBroker {
  private listener: HubEventListener | null = null;

  async start(listener: HubEventListener): Promise<void> {
    this.listener = listener;
  }

  async publish(events: HubEvent[]): Promise<void> {
    for (const event of events) this.listener?.(event);
  }

  /** Never called back: an in-process subscription cannot be lost. */
  onResubscribe(_handler: (subscribed: Promise<void>) => void): void {}

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.listener = null;
  }
}
