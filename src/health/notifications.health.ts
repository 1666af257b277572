import { Inject, Injectable, Logger } from '@nestjs/common';
import { type HealthCheckAttempt, HealthIndicatorService } from '@nestjs/terminus';
import {
  NOTIFICATION_BROKER,
  NOTIFICATION_STORE,
  type NotificationBroker,
  type NotificationStore,
} from '../notifications/index.js';

/** A ping that hangs (a database that stopped answering) must not hang the probe with it. */
const PING_TIMEOUT_MS = 2000;

/** Readiness of the notification module's dependencies: can the store and the broker be reached. */
@Injectable()
export class NotificationsHealthIndicator {
  private readonly logger = new Logger('Health');

  constructor(
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    @Inject(NOTIFICATION_BROKER) private readonly broker: NotificationBroker,
    private readonly health: HealthIndicatorService,
  ) {}

  /** `store` up when `NotificationStore.ping()` answers within the timeout. */
  storeReachable(): HealthCheckAttempt<'store'> {
    return this.health.check('store').attempt(() => this.answered('store', this.store.ping())).withTimeout(PING_TIMEOUT_MS);
  }

  /** `broker` up when `NotificationBroker.ping()` answers within the timeout. */
  brokerReachable(): HealthCheckAttempt<'broker'> {
    return this.health.check('broker').attempt(() => this.answered('broker', this.broker.ping())).withTimeout(PING_TIMEOUT_MS);
  }

  /** The probe's answer names the part only: the failure's own message (SQL, a host, a port) goes to the log. */
  private async answered(part: string, ping: Promise<void>): Promise<void> {
    try {
      await ping;
    } catch (error) {
      this.logger.warn(`${part} is not ready: ${(error as Error).message}`);
      throw new Error(`${part} unavailable`, { cause: error });
    }
  }
}
