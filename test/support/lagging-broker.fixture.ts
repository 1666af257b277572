import { LocalBroker } from '../../src/notifications/broker/local.broker.js';
import type { HubEvent } from '../../src/notifications/broker/notification-broker.js';
import { NOTIFICATION_BROKER, type NotificationsModuleOptions } from '../../src/notifications/index.js';
import { type RunningApp, startWithProvider } from './start-app.js';

/** The in-process broker, delivering `lagMs` after the commit as a broker between instances does. */
class LaggingBroker extends LocalBroker {
  constructor(private readonly lagMs: number) {
    super();
  }

  override async publish(events: HubEvent[]): Promise<void> {
    // Equal delays fire in the order they were set: the broker's ordering holds.
    setTimeout(() => void super.publish(events).catch(() => undefined), this.lagMs);
  }
}

/** Starts the service (memory store) with a broker that delivers `lagMs` after each commit. */
export function startWithLaggingBroker(options: NotificationsModuleOptions, lagMs = 5): Promise<RunningApp> {
  return startWithProvider(NOTIFICATION_BROKER, new LaggingBroker(lagMs), options);
}
