import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import { unreadEvent, webhookBody } from './webhook.event.js';
import { WEBHOOK_OUTBOX, type WebhookOutbox } from './webhook.outbox.js';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';

/** Notifications read per scan step, and steps per tick at most (a backlog is caught up over ticks). */
const PAGE = 500;
const PAGES_PER_TICK = 20;

/**
 * `notification.unread`, derived from the store rather than from timers, so a crash or a restart
 * loses none: a durable cursor in the outbox's database says how far the scan got; each step
 * reads the notifications after it that are ESCALATE_AFTER_S old, enqueues those still unread
 * and moves the cursor, in one transaction. Instances scanning together enqueue the same ids,
 * stored once. Notifications created before escalation was first enabled are not escalated.
 */
@Injectable()
export class UnreadEscalation implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(UnreadEscalation.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private readonly start = { at: Date.now(), seq: 0 };

  constructor(
    @Inject(WEBHOOK_OUTBOX) private readonly outbox: WebhookOutbox | null,
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const afterS = this.options.escalateAfterS;
    if (!this.outbox || afterS === undefined) return;
    // Stored on the first start with escalation on: what was published before is not escalated.
    await this.outbox.escalationCursor(this.start);
    this.timer = setInterval(() => {
      this.running ??= this.scan(afterS * 1000).finally(() => (this.running = null));
    }, Math.min(1000, (afterS * 1000) / 2)).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async scan(afterMs: number): Promise<void> {
    const outbox = this.outbox!;
    try {
      let cursor = await outbox.escalationCursor(this.start);
      for (let page = 0; page < PAGES_PER_TICK; page++) {
        const now = Date.now();
        const { last, unread } = await this.store.unreadAfter(cursor, now - afterMs, PAGE);
        if (last === null) return;
        const events = unread.map(({ userId, notification }) => unreadEvent(userId, notification, afterMs));
        await outbox.escalate(
          events.map((event) => ({ id: event.id, body: webhookBody(event) })),
          last,
          now,
        );
        if (events.length > 0) this.dispatcher.wake();
        cursor = last;
      }
    } catch (error) {
      this.logger.warn(`Unread escalation scan failed: ${(error as Error).message}`);
    }
  }
}
