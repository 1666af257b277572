import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { retryDelayMs } from './retry-backoff.js';
import { DELIVERED_KEPT_MS, type OutboxEntry, type OutboxEvent, WEBHOOK_OUTBOX, type WebhookOutbox } from './webhook.outbox.js';
import { WebhookSender } from './webhook.sender.js';
import { WebhookSigner } from './webhook.signer.js';

/** How often the outbox is looked at when nothing woke the dispatcher. */
const POLL_MS = 500;
/** Events claimed and sent at once. */
const BATCH = 32;
/** A claim outlives the request's deadline by this much, so only a crashed claimer loses its lease. */
const LEASE_MARGIN_MS = 5000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Sends the outbox's events to WEBHOOK_URL: claims due ones (a lease, so one instance of a
 * cluster sends each), POSTs them signed, and finishes them on a 2xx or retries them with
 * backoff and jitter until WEBHOOK_RETRY_S after they were stored. It never blocks delivery of
 * notifications: it runs on its own timer and its failures are logged and counted.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly sender: WebhookSender | null;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastPrune = 0;

  constructor(
    @Inject(WEBHOOK_OUTBOX) private readonly outbox: WebhookOutbox | null,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {
    this.sender = outbox && new WebhookSender(options.webhookUrl!, new WebhookSigner(options.webhookSecret!), options.webhookTimeoutMs);
  }

  onApplicationBootstrap(): void {
    if (!this.outbox) return;
    this.timer = setInterval(() => this.wake(), POLL_MS).unref();
    this.wake();
  }

  /** Requests under way finish (within WEBHOOK_TIMEOUT_MS); what is left waits in the outbox. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** After every user of the outbox stopped (they stop in onModuleDestroy). */
  async onApplicationShutdown(): Promise<void> {
    await this.outbox?.close();
  }

  /** Stores events (once per id, cluster-wide) and sends them soon. */
  async enqueue(events: OutboxEvent[]): Promise<void> {
    if (!this.outbox || events.length === 0) return;
    await this.outbox.enqueue(events, Date.now());
    this.wake();
  }

  /** Runs a pass now, or right after the one under way. */
  wake(): void {
    if (this.stopped || !this.outbox) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async pass(): Promise<void> {
    const outbox = this.outbox!;
    try {
      for (;;) {
        const now = Date.now();
        const claimed = await outbox.claim(BATCH, now, now + this.options.webhookTimeoutMs + LEASE_MARGIN_MS);
        await Promise.all(claimed.map((entry) => this.attempt(entry)));
        if (claimed.length < BATCH || this.stopped) break;
      }
      this.options.observer?.webhookOutboxDepth?.(await outbox.depth());
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        await outbox.prune(Date.now() - DELIVERED_KEPT_MS);
      }
    } catch (error) {
      this.logger.warn(`Webhook outbox unavailable: ${(error as Error).message}`);
    }
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const outbox = this.outbox!;
    const { outcome, detail } = await this.sender!.send(entry);
    this.options.observer?.webhookAttempted?.(outcome);
    const now = Date.now();
    if (outcome === 'delivered') {
      await outbox.finish(entry.id, now);
      return;
    }
    const next = now + retryDelayMs(entry.attempts);
    if (next <= entry.createdAt + this.options.webhookRetryS * 1000) {
      this.logger.debug(`Webhook ${entry.id} attempt ${entry.attempts} failed (${detail}); retrying in ${next - now} ms`);
      await outbox.retryAt(entry.id, next);
      return;
    }
    this.logger.error(`Webhook ${entry.id} given up after ${entry.attempts} attempts over WEBHOOK_RETRY_S (last: ${detail})`);
    this.options.observer?.webhookFailed?.();
    await outbox.finish(entry.id, now);
  }
}
