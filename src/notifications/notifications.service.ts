import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { HubEvent } from './broker/notification-broker.js';
import { HubRelay } from './relay/hub-relay.service.js';
import { Presence } from './presence/presence.service.js';
import type { PresenceTransition } from './presence/presence.tracker.js';
import { BROADCAST_TOPIC, type InboxCounts, type Notification, type NotificationDraft, personalTopic, topicOwner } from './notification.model.js';
import { NOTIFICATIONS_OPTIONS } from './notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from './notifications.options.js';
import {
  type AcceptedNotification,
  type AppendItem,
  type AppendResult,
  type InboxFlagChange,
  type InboxPage,
  type InboxQuery,
  type MarkResult,
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
 * every instance's Hub), reads topic history, reads and changes the inbox. Whatever changes a
 * user's counts pushes them to every connection of the user, on every instance.
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

  /** The user's `{unread, unseen}`, archived entries left out. */
  counts(userId: string): Promise<InboxCounts> {
    return this.store.counts(userId);
  }

  async unreadCount(userId: string): Promise<number> {
    return (await this.store.counts(userId)).unread;
  }

  /**
   * Sets `seen`, `read` or `archived` on inbox entries (see NotificationStore.mark); when the
   * counts change, every connection of the user hears them (except `fromConnectionId`, which
   * gets them as the reply to its command).
   */
  async mark(userId: string, selection: ReadSelection, change: InboxFlagChange, fromConnectionId?: string): Promise<MarkResult> {
    const result = await this.store.mark(userId, selection, change);
    if (result.countsChanged) await this.publishCounts(userId, result, fromConnectionId);
    return result;
  }

  /** `mark` with `read: true`: `updated` counts the entries that went from unread to read. */
  async markRead(userId: string, selection: ReadSelection, fromConnectionId?: string): Promise<ReadResult> {
    const { updated, unread } = await this.mark(userId, selection, { read: true }, fromConnectionId);
    return { updated, unreadCount: unread };
  }

  /** Removes a notification from the user's inbox; false when it was not there. */
  async deleteNotification(userId: string, id: string): Promise<boolean> {
    const result = await this.store.deleteFromInbox(userId, id);
    if (result.countsChanged) await this.publishCounts(userId, result);
    return result.deleted;
  }

  private publishCounts(userId: string, { unread, unseen }: InboxCounts, skipConnectionId?: string): Promise<void> {
    return this.relay.dispatch([{ kind: 'counts', userId, counts: { unread, unseen }, skipConnectionId }]);
  }

  private async append(items: AppendItem[], options?: PublishOptions): Promise<AcceptedNotification[]> {
    const started = performance.now();
    const claim = options?.idempotencyKey
      ? { key: options.idempotencyKey, fingerprint: fingerprint(items) }
      : undefined;
    const result = await this.store.append(items, claim, (committed) => this.publishCommitted(committed, started));
    return result.accepted;
  }

  private async publishCommitted({ notifications, inboxCounts, duplicate, previousIds }: AppendResult, started: number): Promise<void> {
    if (duplicate) return;
    const events: HubEvent[] = notifications.map((notification, index) => {
      const owner = topicOwner(notification.topic);
      const counts = owner === null ? undefined : inboxCounts.get(owner);
      return { kind: 'notification', notification, counts, previousId: previousIds?.[index] };
    });
    await this.relay.dispatch(events);
    this.options.observer?.published(notifications, (performance.now() - started) / 1000);
    for (const notification of notifications) this.published.next(notification);
  }
}

/** Digest of a publish request, to tell a retry from a different request under the same key. */
const fingerprint = (items: AppendItem[]): string =>
  createHash('sha256').update(JSON.stringify(items)).digest('base64url');
