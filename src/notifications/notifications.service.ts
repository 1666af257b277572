import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { HubEvent } from './broker/notification-broker.js';
import { HubRelay } from './relay/hub-relay.service.js';
import { Presence } from './presence/presence.service.js';
import type { PresenceTransition } from './presence/presence.tracker.js';
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

export interface PublishOptions {
  /** Repeats with the same key return the first answer and deliver nothing twice. */
  idempotencyKey?: string;
}

/**
 * The module's public API: publishes notifications (store first, then the relay hands them to
 * every instance's Hub), reads topic history and the inbox.
 */
@Injectable()
export class NotificationsService implements OnApplicationShutdown {
  private readonly published = new Subject<Notification>();

  /** Every notification published through this instance, after it is stored. */
  readonly notifications$: Observable<Notification> = this.published.asObservable();

  constructor(
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    private readonly relay: HubRelay,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
    private readonly presence: Presence,
  ) {}

  /**
   * Presence transitions of every user, cluster-wide, once each: online at the first connection,
   * offline PRESENCE_GRACE_S after the last closed (a reload inside it is no transition).
   */
  get presence$(): Observable<PresenceTransition> {
    return this.presence.transitions$;
  }

  /** Whether each user has an open connection on any instance now (no grace period). */
  isOnline(userIds: string[]): Promise<Record<string, boolean>> {
    return this.presence.isOnline(userIds);
  }

  async onApplicationShutdown(): Promise<void> {
    this.published.complete();
    await this.relay.close();
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
      await this.relay.dispatch([{ kind: 'unread', userId, count: result.unreadCount, skipConnectionId: fromConnectionId }]);
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
    await this.relay.dispatch(events);
    this.options.observer?.published(notifications, (performance.now() - started) / 1000);
    for (const notification of notifications) this.published.next(notification);
  }
}

/** Digest of a publish request, to tell a retry from a different request under the same key. */
const fingerprint = (items: AppendItem[]): string =>
  createHash('sha256').update(JSON.stringify(items)).digest('base64url');
