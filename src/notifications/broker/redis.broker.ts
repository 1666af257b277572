import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { hubEventFault } from './hub-event.check.js';
import { DEFAULT_SETTINGS } from '../notifications.options.js';
import type { HubEvent, HubEventListener, NotificationBroker } from './notification-broker.js';

export const DEFAULT_REDIS_CHANNEL = 'notifications:events';

export interface RedisBrokerOptions {
  /** The store's epoch: an event naming a notification id of another is dropped (see hubEventFault). */
  epoch: string;
  /** The pub/sub channel every instance shares; default `notifications:events`. */
  channel?: string;
  /** Deadline of a command (a publish, a ping) and of a connection attempt (BROKER_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * The size a message grows to before the next event starts another: a commit batch's events
 * travel together, yet no message comes near Redis's pub/sub output buffer limits (8 MiB soft).
 */
const MESSAGE_BYTES = 512 * 1024;

/** The events as JSON lists of hub events, in order, each list at most MESSAGE_BYTES unless one event alone is larger. */
function messagesOf(events: HubEvent[]): string[] {
  const messages: string[] = [];
  let parts: string[] = [];
  let length = 0;
  for (const event of events) {
    const json = JSON.stringify(event);
    if (parts.length > 0 && length + json.length > MESSAGE_BYTES) {
      messages.push(`[${parts.join(',')}]`);
      parts = [];
      length = 0;
    }
    parts.push(json);
    length += json.length + 1;
  }
  messages.push(`[${parts.join(',')}]`);
  return messages;
}

/** Reconnect quickly at first, then every 2 s, forever. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2000);

/**
 * Every connection fails its commands at once while it is down (no offline queue, no retries),
 * so a publish never waits for Redis to come back: the caller delivers locally and the store
 * keeps the notification for `since` recovery. A command Redis does not answer in time fails
 * too, and drops its connection, which reconnects: a stalled connection is replaced rather than
 * waited on by every command after it.
 */
export const connectionOptions = (timeoutMs: number): RedisOptions => ({
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: timeoutMs,
  socketTimeout: timeoutMs,
  connectTimeout: timeoutMs,
  retryStrategy,
});

/**
 * Moves hub events between instances over one Redis pub/sub channel. Each instance holds one
 * subscriber connection (it receives every event; its Hub keeps those of its own topics) and
 * one publisher connection. One `publish` call is one Redis message (several past MESSAGE_BYTES,
 * sent in order), so its events arrive in order. What arrives is checked before the listener hears of it: an event this
 * deployment could not have sent is dropped with a warning (see hubEventFault).
 */
export class RedisBroker implements NotificationBroker {
  private readonly logger = new Logger(RedisBroker.name);
  private readonly channel: string;
  private readonly epoch: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly resubscribeHandlers: Array<(subscribed: Promise<void>) => void> = [];
  private listener: HubEventListener | null = null;
  /** True while the subscriber holds its subscription: events published now reach this instance. */
  private subscribed = false;
  private closing = false;

  constructor(redisUrl: string, options: RedisBrokerOptions) {
    this.channel = options.channel ?? DEFAULT_REDIS_CHANNEL;
    this.epoch = options.epoch;
    const connection = connectionOptions(options.timeoutMs ?? DEFAULT_SETTINGS.brokerTimeoutMs);
    this.publisher = new Redis(redisUrl, { ...connection, connectionName: 'notifications-publisher' });
    // Resubscribing by hand (not ioredis' autoResubscribe) tells us when the subscription is back.
    this.subscriber = new Redis(redisUrl, {
      ...connection,
      autoResubscribe: false,
      connectionName: 'notifications-subscriber',
    });
    this.reportConnectionState(this.publisher, 'publisher');
    this.reportConnectionState(this.subscriber, 'subscriber');
  }

  async start(listener: HubEventListener): Promise<void> {
    this.listener = listener;
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    this.subscriber.on('close', () => (this.subscribed = false));
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      this.publisher.disconnect();
      this.subscriber.disconnect();
      throw error;
    }
    this.subscribed = true;
    this.subscriber.on('ready', () => void this.resubscribe());
  }

  async publish(events: HubEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Sent one after the other on one connection: Redis hands them on in this order.
    await Promise.all(messagesOf(events).map((message) => this.publisher.publish(this.channel, message)));
  }

  onResubscribe(handler: (subscribed: Promise<void>) => void): void {
    this.resubscribeHandlers.push(handler);
  }

  /** Both connections answer: a subscriber that stalled would otherwise go unnoticed, as it sends nothing. */
  async ping(): Promise<void> {
    if (!this.subscribed) throw new Error(`Redis subscription to "${this.channel}" is down`);
    await Promise.all([this.publisher.ping(), this.subscriber.ping()]);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.listener = null;
    await Promise.all([quit(this.publisher), quit(this.subscriber)]);
  }

  /** Runs on every reconnection after the first: events published meanwhile are lost to this instance. */
  private async resubscribe(): Promise<void> {
    const subscribed = this.subscriber.subscribe(this.channel).then(() => undefined);
    // Handlers hear of it before any message of the new subscription can reach the listener.
    for (const handler of this.resubscribeHandlers) {
      try {
        handler(subscribed);
      } catch (error) {
        this.logger.error(`A resubscription handler failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
    try {
      await subscribed;
    } catch (error) {
      // The connection dropped again; its next 'ready' tries again.
      this.logger.warn(`Resubscribing to "${this.channel}" failed: ${(error as Error).message}`);
      return;
    }
    if (this.closing) return;
    this.subscribed = true;
    this.logger.log(`Resubscribed to "${this.channel}"`);
  }

  private receive(message: string): void {
    let events: unknown;
    try {
      events = JSON.parse(message);
    } catch {
      events = null;
    }
    if (!Array.isArray(events)) {
      this.logger.warn(`Ignored a message on "${this.channel}" that is not a list of hub events`);
      return;
    }
    for (const event of events) {
      const fault = hubEventFault(event, this.epoch);
      if (fault !== null) {
        this.logger.warn(`Ignored ${fault} on "${this.channel}"`);
        continue;
      }
      try {
        this.listener?.(event as HubEvent);
      } catch (error) {
        // One failing delivery must not take the subscriber connection down with it.
        this.logger.error(`Delivering a hub event failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
  }

  /** Logs once when a connection is lost and once when it is back, not on every retry. */
  private reportConnectionState(connection: Redis, role: string): void {
    let lastError = 'connection closed';
    let lost = false;
    // Without an 'error' listener ioredis prints every failed retry itself.
    connection.on('error', (error: Error) => (lastError = error.message));
    connection.on('reconnecting', () => {
      if (lost || this.closing) return;
      lost = true;
      this.logger.warn(`Redis ${role} connection lost (${lastError}); reconnecting`);
    });
    connection.on('ready', () => {
      if (lost) this.logger.log(`Redis ${role} connection restored`);
      lost = false;
      lastError = 'connection closed';
    });
  }
}

/** Quits politely when connected; a connection that is down is just stopped from reconnecting. */
async function quit(connection: Redis): Promise<void> {
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
