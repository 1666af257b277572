import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import { type HubEvent, NOTIFICATION_BROKER, type NotificationBroker } from './broker/notification-broker.js';
import { type CatchUpPosition, Hub } from './hub/hub.service.js';
import { seqOf } from './store/notification-id.js';
import { readAllSince } from './store/read-all-since.js';
import { BROADCAST_TOPIC, type Notification, type NotificationDraft, personalTopic, topicOwner } from './notification.model.js';
import { NOTIFICATIONS_OPTIONS } from './notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from './notifications.options.js';
import {
  type AcceptedNotification,
  type AppendItem,
  type AppendResult,
  type InboxPage,
  type InboxQuery,
  NOTIFICATION_STORE,
  type NotificationStore,
  type ReadResult,
  type ReadSelection,
  type TopicHistory,
} from './store/notification-store.js';

// Spelled out rather than spread: on Node 20's V8, spreading an object and adding keys costs about a microsecond.
const toItem = ({ type, payload }: NotificationDraft, topic: string): AppendItem => ({ topic, type, payload });

/** Topics read from the store at once when catching up after a broker outage. */
const CATCH_UP_CONCURRENCY = 16;
/** Topics whose newest ids one store call answers, before any of them is read. */
const NEWEST_IDS_BATCH = 1000;

export interface PublishOptions {
  /** Repeats with the same key return the first answer and deliver nothing twice. */
  idempotencyKey?: string;
}

/**
 * The module's public API: publishes notifications (store first, then broker to every
 * instance's Hub), reads topic history and the inbox.
 */
@Injectable()
export class NotificationsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationsService.name);
  private readonly published = new Subject<Notification>();
  /** The newest notification (by id) that arrived through the broker. */
  private lastBrokered: string | null = null;
  private lastBrokeredSeq = 0;
  /** A publish failed: other instances may have missed it, so the next message asks them to catch up. */
  private owesCatchUp = false;

  /** Every notification published through this instance, after it is stored. */
  readonly notifications$: Observable<Notification> = this.published.asObservable();

  constructor(
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    @Inject(NOTIFICATION_BROKER) private readonly broker: NotificationBroker,
    private readonly hub: Hub,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    this.broker.onResubscribe((subscribed) => void this.catchUp(subscribed));
    this.hub.onMissing((position) => void this.catchUpTopic(position));
    await this.broker.start((event) => this.fromBroker(event));
  }

  async onApplicationShutdown(): Promise<void> {
    this.published.complete();
    await this.broker.close();
    await this.store.close();
  }

  /** Sends a notification to each user's personal topic `user:<id>` and inbox. */
  notifyUsers(userIds: string[], draft: NotificationDraft, options?: PublishOptions): Promise<AcceptedNotification[]> {
    return this.append(
      userIds.map((userId) => toItem(draft, personalTopic(userId))),
      options,
    );
  }

  /** Sends a notification to every subscriber of `topic`. */
  publish(topic: string, draft: NotificationDraft, options?: PublishOptions): Promise<AcceptedNotification[]> {
    return this.append([toItem(draft, topic)], options);
  }

  /** Sends a notification to every connection. */
  broadcast(draft: NotificationDraft, options?: PublishOptions): Promise<AcceptedNotification[]> {
    return this.append([toItem(draft, BROADCAST_TOPIC)], options);
  }

  /** A topic's history: after `since` when given, else the latest `limit`; in id order. */
  async history(topic: string, limit: number, since?: string): Promise<TopicHistory> {
    if (since !== undefined) return this.store.readSince(topic, since, limit);
    return { items: await this.store.readLatest(topic, limit), recovered: true };
  }

  inbox(userId: string, query: InboxQuery): Promise<InboxPage> {
    return this.store.inbox(userId, query);
  }

  unreadCount(userId: string): Promise<number> {
    return this.store.unreadCount(userId);
  }

  /**
   * Marks inbox entries read; when the count changes, every connection of the user hears the
   * new count (except `fromConnectionId`, which gets it as the reply to its `read`).
   */
  async markRead(userId: string, selection: ReadSelection, fromConnectionId?: string): Promise<ReadResult> {
    const result = await this.store.markRead(userId, selection);
    if (result.updated > 0) {
      await this.dispatch([{ kind: 'unread', userId, count: result.unreadCount, skipConnectionId: fromConnectionId }]);
    }
    return result;
  }

  private async append(items: AppendItem[], options?: PublishOptions): Promise<AcceptedNotification[]> {
    const started = performance.now();
    const claim = options?.idempotencyKey
      ? { key: options.idempotencyKey, fingerprint: fingerprint(items) }
      : undefined;
    const result = await this.store.append(items, claim, (committed) => this.publishCommitted(committed, started));
    return result.accepted;
  }

  private async publishCommitted({ notifications, unreadCounts, duplicate, previousIds }: AppendResult, started: number): Promise<void> {
    if (duplicate) return;
    const events: HubEvent[] = notifications.map((notification, index) => {
      const owner = topicOwner(notification.topic);
      const unreadCount = owner === null ? undefined : unreadCounts.get(owner);
      return { kind: 'notification', notification, unreadCount, previousId: previousIds?.[index] };
    });
    await this.dispatch(events);
    this.options.observer?.published(notifications, (performance.now() - started) / 1000);
    for (const notification of notifications) this.published.next(notification);
  }

  /**
   * Hands events to the broker. If the broker is down they are stored already: this instance
   * delivers them itself, and the others catch up from the store when their broker returns.
   */
  private async dispatch(events: HubEvent[]): Promise<void> {
    // After a failed publish, the next message tells every instance to catch up before using it.
    const message: HubEvent[] = this.owesCatchUp ? [{ kind: 'catch-up' }, ...events] : events;
    try {
      await this.broker.publish(message);
      this.owesCatchUp = false;
    } catch (error) {
      this.owesCatchUp = true;
      this.logger.warn(`broker publish failed, delivering from the store: ${(error as Error).message}`);
      await this.deliverFromStore(events);
    }
  }

  /**
   * Delivers events the broker refused on this instance, reading their topics from the store
   * first: notifications other instances stored meanwhile come before them, in id order (the
   * store still holds the topics' write order), instead of being skipped for good.
   */
  private async deliverFromStore(events: HubEvent[]): Promise<void> {
    const unreadCounts = new Map<string, number>();
    const topics = new Set<string>();
    for (const event of events) {
      if (event.kind !== 'notification') continue;
      topics.add(event.notification.topic);
      if (event.unreadCount !== undefined) unreadCounts.set(event.notification.id, event.unreadCount);
    }
    for (const topic of topics) {
      const since = this.hub.catchUpPosition(topic, this.lastBrokered);
      if (!since) continue;
      try {
        const { items } = await readAllSince(this.store, topic, since);
        for (const notification of items) this.countDelivered(this.hub.deliver(notification, unreadCounts.get(notification.id)));
      } catch (error) {
        // The notifications are stored: never fail the publish for a read; deliver the events as they are.
        this.logger.warn(`reading ${topic} after a broker failure failed: ${(error as Error).message}`);
      }
    }
    for (const event of events) this.toHub(event);
  }

  private toHub(event: HubEvent): void {
    if (event.kind === 'notification') this.countDelivered(this.hub.deliver(event.notification, event.unreadCount, event.previousId));
    else if (event.kind === 'unread') this.hub.sendUnread(event.userId, event.count, event.skipConnectionId);
    // Holding starts before the next event of the same message is handed over: it waits its turn.
    else void this.catchUp();
  }

  /** A separate call so that delivery never sits inside an optional chain that could skip it. */
  private countDelivered(sockets: number): void {
    this.options.observer?.delivered(sockets);
  }

  /**
   * After a broker blink, delivers what every locally subscribed topic missed meanwhile, from
   * the store, in id order. Live delivery in each topic is held from now until its catch-up is
   * done; the store is read once `ready` (the broker's subscription) is in place, so whatever
   * it does not hold yet arrives live, after it.
   */
  private async catchUp(ready: Promise<void> = Promise.resolve()): Promise<void> {
    const positions = this.hub.holdForCatchUp(this.lastBrokered);
    // A subscription that failed again is retried, with a catch-up of its own; read anyway.
    await ready.catch(() => undefined);
    for (let i = 0; i < positions.length; i += NEWEST_IDS_BATCH) {
      const behind = await this.resumeUnlessBehind(positions.slice(i, i + NEWEST_IDS_BATCH));
      for (let j = 0; j < behind.length; j += CATCH_UP_CONCURRENCY) {
        await Promise.all(behind.slice(j, j + CATCH_UP_CONCURRENCY).map((position) => this.catchUpTopic(position)));
      }
    }
  }

  /**
   * Resumes the topics that hold nothing after their position (most of them, after a short
   * blink), asking the store once for all; answers the others, which must be read.
   */
  private async resumeUnlessBehind(positions: CatchUpPosition[]): Promise<CatchUpPosition[]> {
    let newest: Map<string, string>;
    try {
      newest = await this.store.newestIds(positions.map(({ topic }) => topic));
    } catch (error) {
      // Each topic's own read then succeeds or fails on its own.
      this.logger.warn(`catch-up could not ask the store for its topics' newest ids: ${(error as Error).message}`);
      return positions;
    }
    return positions.filter(({ topic, since }) => {
      const id = newest.get(topic);
      if (id !== undefined && since !== null && seqOf(id) > seqOf(since)) return true;
      this.countDelivered(this.hub.resumeAfterCatchUp(topic, []));
      return false;
    });
  }

  /** Reads what a held topic missed and resumes it (see Hub.resumeAfterCatchUp). */
  private async catchUpTopic({ topic, since }: CatchUpPosition): Promise<void> {
    let stored: Notification[] | null = [];
    try {
      if (since !== null) stored = (await readAllSince(this.store, topic, since)).items;
    } catch (error) {
      stored = null;
      this.logger.warn(`catch-up of ${topic} failed: ${(error as Error).message}`);
    } finally {
      this.countDelivered(this.hub.resumeAfterCatchUp(topic, stored));
    }
  }

  /** Remembers the newest notification the broker brought, where topics with no delivery yet catch up from. */
  private fromBroker(event: HubEvent): void {
    if (event.kind === 'notification') {
      const seq = seqOf(event.notification.id);
      if (seq > this.lastBrokeredSeq) {
        this.lastBrokeredSeq = seq;
        this.lastBrokered = event.notification.id;
      }
    }
    this.toHub(event);
  }
}

/** Digest of a publish request, to tell a retry from a different request under the same key. */
const fingerprint = (items: AppendItem[]): string =>
  createHash('sha256').update(JSON.stringify(items)).digest('base64url');
