import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { Presence } from '../presence/presence.service.js';
import { presenceEvent, webhookBody } from './webhook.event.js';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';

/**
 * `user.online` and `user.offline` from the graced presence transitions. Every instance hears
 * every transition and enqueues it under the same id: the outbox keeps one, and a cluster
 * sends it once even when an instance is down.
 */
@Injectable()
export class PresenceWebhooks implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PresenceWebhooks.name);
  private subscription?: Subscription;

  constructor(
    private readonly presence: Presence,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  onModuleInit(): void {
    if (this.options.webhookUrl === undefined) return;
    this.subscription = this.presence.transitions$.subscribe((transition) => {
      const event = presenceEvent(transition);
      this.dispatcher.enqueue([{ id: event.id, body: webhookBody(event) }]).catch((error: unknown) => {
        this.logger.error(`Storing ${event.type} of ${transition.userId} failed: ${(error as Error).message}`);
      });
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
