import type { InboxCounts, InboxFlags, InboxItem, Notification, NotificationDraft } from '../notification.model.js';

/** One notification to append: a draft addressed to a topic. */
export interface AppendItem extends NotificationDraft {
  topic: string;
}

export interface IdempotencyClaim {
  key: string;
  /** A digest of the request body; the same key with another fingerprint is a conflict. */
  fingerprint: string;
}

/** The id and topic of an accepted notification: what `POST /notifications` answers. */
export interface AcceptedNotification {
  id: string;
  topic: string;
}

export interface AppendResult {
  /** The answer to the request, in its order; for a duplicate, the first request's answer. */
  accepted: AcceptedNotification[];
  /** The notifications appended now, in request order; empty for a duplicate. */
  notifications: Notification[];
  /** True when the idempotency key was seen before: nothing was appended, nothing may be delivered. */
  duplicate: boolean;
  /** The inbox counts after the append, for each user who received a personal notification. */
  inboxCounts: Map<string, InboxCounts>;
  /**
   * For each of `notifications`, the id of the one before it in its topic (null for a topic's
   * first). Stores that several instances share set it, so that each instance's Hub can tell a
   * notification that never reached it (see Hub.deliver); a store of one process leaves it out.
   */
  previousIds?: Array<string | null>;
}

export interface TopicHistory {
  items: Notification[];
  /** False when `since` is unknown (another epoch, malformed) or notifications after it were pruned. */
  recovered: boolean;
}

export interface InboxQuery {
  limit: number;
  /** Only items older than this id (a `nextCursor` from a previous page). */
  before?: string;
  /** Only unread items. */
  unreadOnly?: boolean;
  /** Only unseen items. */
  unseenOnly?: boolean;
  /** False or absent: the items not archived (the feed); true: the archived ones only. */
  archived?: boolean;
  /** Only items of these types; absent or empty: every type. */
  types?: string[];
}

export interface InboxPage {
  /** Newest first. */
  items: InboxItem[];
  unreadCount: number;
  unseenCount: number;
  nextCursor: string | null;
}

/** Inbox entries by id (ids that are not the user's are ignored), or all of them. */
export type ReadSelection = { ids: string[] } | { all: true };

/** The flags `mark` sets; those left out keep their value (but see NotificationStore.mark). */
export type InboxFlagChange = Partial<InboxFlags>;

/** What `mark` answers: how many entries changed, and the counts after it. */
export interface MarkResult extends InboxCounts {
  /** Entries whose flags changed. */
  updated: number;
  /** True when `unread` or `unseen` differs from before: the user's connections must hear it. */
  countsChanged: boolean;
}

/** What deleting an inbox entry answers: whether it was there, and the counts after it. */
export interface InboxDeletion extends InboxCounts {
  deleted: boolean;
  countsChanged: boolean;
}

/** Answer of markRead: `mark` with `read: true`, as contract section 4 words it. */
export interface ReadResult {
  /** Notifications that went from unread to read. */
  updated: number;
  unreadCount: number;
}

/**
 * Runs once the appended notifications are committed, before the next append to the same
 * topics may commit, so that publishing them keeps per-topic id order across instances. The
 * hooks of one commit batch start in append order, each once the one before has reached its
 * first `await`, and run together from there.
 */
export type CommittedHook = (result: AppendResult) => Promise<void> | void;

/**
 * Where notifications are kept: ids, topic history, `since` reads, the user inbox and
 * idempotency keys. The rules every store keeps, which the shared suite in test/store/ checks:
 * - Ids are `<epoch>-<seq>`, seq one store-wide sequence, so ids increase within every topic.
 * - Retention per topic, applied by prune(): keep at most `historyLimit` newest and, when
 *   `historyTtlS` > 0, nothing older than `historyTtlS`.
 * - Personal topics (`user:<id>`) are the inbox. Each entry has `seen`, `read` and `archived`;
 *   new ones are none of them, and `read` implies `seen` in every state an entry can reach.
 *   Counts `{unread, unseen}` leave archived entries out and are kept per user, updated in the
 *   same transaction as the change (append, mark, delete), so reading them is one row however
 *   long the inbox.
 * - Retention never prunes an entry that counts (unread and not archived; an unseen one is
 *   unread too), so pruning never changes counts; read or archived entries follow the topic
 *   rules: archiving dismisses an entry. The highest pruned seq of each topic is kept, and
 *   `readSince` answers `recovered: false` when anything after `since` was pruned (still
 *   returning what is left). A deleted entry leaves no such mark: the user removed it.
 * - A `since` that is malformed or from another epoch answers `recovered: false` and no items;
 *   one beyond the latest answers `recovered: true` and no items.
 * - Idempotency keys are kept 24 hours (pruned by prune()).
 * - Appends are group-committed (GroupCommitQueue); past MAX_PENDING_WRITES waiting, an append
 *   fails at once with StoreOverloadedError and nothing of it is stored.
 */
export interface NotificationStore {
  /** Epoch of this store; part of every id it issues. */
  readonly epoch: string;

  /** Creates tables, runs migrations, loads the epoch. Called once before any other method. */
  open(): Promise<void>;

  /**
   * Appends atomically: all items or none. Personal topics (`user:<id>`) also enter the
   * user's inbox, unseen, unread and not archived. Throws IdempotencyConflictError when the key was used with
   * another fingerprint.
   */
  append(items: AppendItem[], idempotency?: IdempotencyClaim, onCommitted?: CommittedHook): Promise<AppendResult>;

  /** Notifications of a topic after `since` (exclusive), oldest first, at most `limit`. */
  readSince(topic: string, since: string, limit: number): Promise<TopicHistory>;

  /** The latest `limit` notifications of a topic, oldest first. */
  readLatest(topic: string, limit: number): Promise<Notification[]>;

  /**
   * The ids of the newest `limit` notifications of `topic` after `since`, newest first; none when
   * `since` is not this store's. Reads ids alone, at most `limit`: a replay measures its window
   * with it, however many a client missed.
   */
  newestIdsSince(topic: string, since: string, limit: number): Promise<string[]>;

  /** The id of the newest notification retained in each of `topics` that holds one. */
  newestIds(topics: string[]): Promise<Map<string, string>>;

  /**
   * A page of the user's inbox, newest first, with the counts. Throws InvalidCursorError for a
   * `before` this store could not have issued.
   */
  inbox(userId: string, query: InboxQuery): Promise<InboxPage>;

  /**
   * Sets flags of the selected entries of the user (ids of other users or topics, unknown or
   * malformed ones are ignored). `read: true` also sets `seen`; `seen: false` also clears
   * `read`; `read: true` wins over `seen: false`. An empty change changes nothing.
   */
  mark(userId: string, selection: ReadSelection, change: InboxFlagChange): Promise<MarkResult>;

  /** The user's counts. */
  counts(userId: string): Promise<InboxCounts>;

  /** Removes one entry from the user's inbox (and its topic history); `deleted` is false when it was not there. */
  deleteFromInbox(userId: string, id: string): Promise<InboxDeletion>;

  /** Applies retention (HISTORY_LIMIT, HISTORY_TTL_S). */
  prune(): Promise<void>;

  /** Cheap reachability check for readiness probes; throws when the store is unusable. */
  ping(): Promise<void>;

  close(): Promise<void>;

  /**
   * The escalation scan (ESCALATE_AFTER_S): up to `limit` notifications after `after`, in store
   * order (seq; on PostgreSQL created_at then seq), none created after `createdBefore` (ms):
   * where the scan stopped, and those of them that are personal and unread now, with their user.
   */
  unreadAfter(after: StorePosition, createdBefore: number, limit: number): Promise<UnreadScan>;
}

/** A place in a store's notifications: a creation time (ms) and a seq. */
export interface StorePosition {
  at: number;
  seq: number;
}

export interface UnreadScan {
  /** The last notification scanned; null when none was. */
  last: StorePosition | null;
  unread: Array<{ userId: string; notification: Notification }>;
}

export const NOTIFICATION_STORE = Symbol('NOTIFICATION_STORE');

export class IdempotencyConflictError extends Error {
  constructor(readonly key: string) {
    super(`idempotencyKey "${key}" was already used with a different request`);
  }
}

/**
 * The store cannot be reached (database down); callers answer 503 and may retry. Its message is
 * safe to show; the driver's error, which may name a host, a path or SQL, is its `cause`.
 */
export class StoreUnavailableError extends Error {}

/** More appends wait to commit than MAX_PENDING_WRITES allows: nothing of this one was stored; callers answer 503 and may retry. */
export class StoreOverloadedError extends Error {}

/** A cursor or id that this store could not have issued. */
export class InvalidCursorError extends Error {}
