import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Notification, NotificationsObserver } from '../notifications/index.js';
import { ATTEMPT_OUTCOMES } from '../notifications/webhooks/webhook.sender.js';

/** How a notification was addressed, from its topic (contract section 3). */
type PublishTarget = 'users' | 'topic' | 'broadcast';
const PUBLISH_TARGETS: PublishTarget[] = ['users', 'topic', 'broadcast'];

const targetOf = (topic: string): PublishTarget =>
  topic === 'broadcast' ? 'broadcast' : topic.startsWith('user:') ? 'users' : 'topic';

/** Close codes the server sends for a reason of its own: present from the start so rates and alerts see zeros. */
const SERVER_CLOSE_CODES = ['1008', '4001', '4008'];

/**
 * The service's Prometheus metrics, in a registry of their own with the default process
 * metrics; the notifications module reports into them as its observer.
 */
@Injectable()
export class NotificationsMetrics implements NotificationsObserver {
  readonly registry = new Registry();

  private readonly connections = new Gauge({
    name: 'notifications_connections',
    help: 'Open connections on this instance: WebSockets and Server-Sent Events streams.',
    registers: [this.registry],
  });

  private readonly eventStreams = new Gauge({
    name: 'notifications_sse_streams',
    help: 'Open Server-Sent Events streams on this instance (counted in notifications_connections too).',
    registers: [this.registry],
  });

  private readonly subscriptions = new Gauge({
    name: 'notifications_subscriptions',
    help: 'Topic memberships of the open connections, the automatic broadcast and user: ones included.',
    registers: [this.registry],
  });

  private readonly publishedTotal = new Counter({
    name: 'notifications_published_total',
    help: 'Notifications stored and handed to the broker by this instance, by target kind.',
    labelNames: ['target'],
    registers: [this.registry],
  });

  /** Bound once: a publish then counts without hashing its labels. */
  private readonly publishedByTarget = new Map(PUBLISH_TARGETS.map((target) => [target, this.publishedTotal.labels({ target })]));

  private readonly deliveredTotal = new Counter({
    name: 'notifications_delivered_total',
    help: 'Live notifications written to connections of this instance (WebSockets and SSE streams), one per connection.',
    registers: [this.registry],
  });

  private readonly publishDuration = new Histogram({
    name: 'notifications_publish_duration_seconds',
    help: 'From the start of a publish (store append) until the broker took it; with the local broker, until its frames were written to the sockets of this instance.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly framesReceived = new Counter({
    name: 'notifications_frames_received_total',
    help: 'Client frames received, by event (unknown: an event the service does not handle; invalid: not an {event, data} JSON object).',
    labelNames: ['event'],
    registers: [this.registry],
  });

  private readonly exceptions = new Counter({
    name: 'notifications_exceptions_total',
    help: 'exception frames sent to clients, by code.',
    labelNames: ['code'],
    registers: [this.registry],
  });

  private readonly closes = new Counter({
    name: 'notifications_closes_total',
    help: 'Connections the server closed for a reason of its own, by close code (1008 abuse, 4001 token expired, 4008 too slow).',
    labelNames: ['code'],
    registers: [this.registry],
  });

  private readonly storeErrors = new Counter({
    name: 'notifications_store_errors_total',
    help: 'Store operations that failed (not counting idempotency conflicts and bad cursors), by operation.',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  private readonly brokerErrors = new Counter({
    name: 'notifications_broker_errors_total',
    help: 'Broker operations that failed, by operation.',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  private readonly webhookAttempts = new Counter({
    name: 'notifications_webhook_attempts_total',
    help: 'Webhook requests by outcome: delivered (2xx), rejected (another status), timeout, unreachable.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  private readonly webhookFailures = new Counter({
    name: 'notifications_webhook_failures_total',
    help: 'Webhook events given up, undelivered after WEBHOOK_RETRY_S.',
    registers: [this.registry],
  });

  private readonly webhookOutbox = new Gauge({
    name: 'notifications_webhook_outbox_depth',
    help: 'Webhook events waiting in the outbox, across the cluster (as this instance last counted).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const outcome of ATTEMPT_OUTCOMES) this.webhookAttempts.inc({ outcome }, 0);
    for (const counter of this.publishedByTarget.values()) counter.inc(0);
    for (const code of SERVER_CLOSE_CODES) this.closes.inc({ code }, 0);
  }

  connectionsChanged(delta: number, transport: 'websocket' | 'sse'): void {
    this.connections.inc(delta);
    if (transport === 'sse') this.eventStreams.inc(delta);
  }

  subscriptionsChanged(delta: number): void {
    this.subscriptions.inc(delta);
  }

  frameReceived(event: string): void {
    this.framesReceived.inc({ event });
  }

  exceptionSent(code: string): void {
    this.exceptions.inc({ code });
  }

  connectionClosed(code: number): void {
    this.closes.inc({ code: String(code) });
  }

  published(notifications: readonly Notification[], seconds: number): void {
    // Counted per kind first: a publish to 1000 users is one increment, not 1000.
    const counts: Record<PublishTarget, number> = { users: 0, topic: 0, broadcast: 0 };
    for (const { topic } of notifications) counts[targetOf(topic)]++;
    for (const [target, counter] of this.publishedByTarget) if (counts[target] > 0) counter.inc(counts[target]);
    this.publishDuration.observe(seconds);
  }

  delivered(count: number): void {
    if (count > 0) this.deliveredTotal.inc(count);
  }

  storeFailed(operation: string): void {
    this.storeErrors.inc({ operation });
  }

  brokerFailed(operation: string): void {
    this.brokerErrors.inc({ operation });
  }

  webhookAttempted(outcome: string): void {
    this.webhookAttempts.inc({ outcome });
  }

  webhookFailed(): void {
    this.webhookFailures.inc();
  }

  webhookOutboxDepth(depth: number): void {
    this.webhookOutbox.set(depth);
  }
}
