import type { InboxCounts, Notification } from '../notification.model.js';
import type { NotificationsObserver } from '../notifications.observer.js';
import {
  type AppendItem,
  type AppendResult,
  type CommittedHook,
  type IdempotencyClaim,
  IdempotencyConflictError,
  type InboxDeletion,
  type InboxFlagChange,
  type InboxPage,
  type InboxQuery,
  InvalidCursorError,
  type MarkResult,
  type NotificationStore,
  type ReadSelection,
  type StorePosition,
  type TopicHistory,
  type UnreadScan,
} from './notification-store.js';

/**
 * A store that tells the observer about its failures; answers and errors pass through unchanged.
 * A conflict or a bad cursor is the request's fault, not the store's, and is not reported.
 */
export class ObservedNotificationStore implements NotificationStore {
  constructor(
    private readonly store: NotificationStore,
    private readonly observer: NotificationsObserver,
  ) {}

  get epoch(): string {
    return this.store.epoch;
  }

  open(): Promise<void> {
    return this.watch('open', this.store.open());
  }

  append(items: AppendItem[], idempotency?: IdempotencyClaim, onCommitted?: CommittedHook): Promise<AppendResult> {
    return this.watch('append', this.store.append(items, idempotency, onCommitted));
  }

  readSince(topic: string, since: string, limit: number): Promise<TopicHistory> {
    return this.watch('readSince', this.store.readSince(topic, since, limit));
  }

  newestIdsSince(topic: string, since: string, limit: number): Promise<string[]> {
    return this.watch('newestIdsSince', this.store.newestIdsSince(topic, since, limit));
  }

  readLatest(topic: string, limit: number): Promise<Notification[]> {
    return this.watch('readLatest', this.store.readLatest(topic, limit));
  }

  newestIds(topics: string[]): Promise<Map<string, string>> {
    return this.watch('newestIds', this.store.newestIds(topics));
  }

  inbox(userId: string, query: InboxQuery): Promise<InboxPage> {
    return this.watch('inbox', this.store.inbox(userId, query));
  }

  mark(userId: string, selection: ReadSelection, change: InboxFlagChange): Promise<MarkResult> {
    return this.watch('mark', this.store.mark(userId, selection, change));
  }

  counts(userId: string): Promise<InboxCounts> {
    return this.watch('counts', this.store.counts(userId));
  }

  deleteFromInbox(userId: string, id: string): Promise<InboxDeletion> {
    return this.watch('deleteFromInbox', this.store.deleteFromInbox(userId, id));
  }

  prune(): Promise<void> {
    return this.watch('prune', this.store.prune());
  }

  ping(): Promise<void> {
    return this.watch('ping', this.store.ping());
  }

  close(): Promise<void> {
    return this.store.close();
  }

  unreadAfter(after: StorePosition, createdBefore: number, limit: number): Promise<UnreadScan> {
    return this.watch('unreadAfter', this.store.unreadAfter(after, createdBefore, limit));
  }

  private watch<T>(operation: string, result: Promise<T>): Promise<T> {
    // A side branch: the caller still gets the original promise, rejection included.
    result.catch((error: unknown) => {
      if (!(error instanceof IdempotencyConflictError || error instanceof InvalidCursorError)) this.observer.storeFailed(operation);
    });
    return result;
  }
}
