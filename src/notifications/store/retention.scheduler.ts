import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NOTIFICATION_STORE, type NotificationStore } from './notification-store.js';

const PRUNE_EVERY_MS = 60_000;

/** Applies retention in the background, one prune at a time, off the delivery path. */
@Injectable()
export class RetentionScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetentionScheduler.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(@Inject(NOTIFICATION_STORE) private readonly store: NotificationStore) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async prune(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.store.prune();
    } catch (error) {
      this.logger.warn(`retention prune failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
