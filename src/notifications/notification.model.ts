/** A notification as clients see it on the wire and over REST. */
export interface Notification {
  /** Opaque, unique across the service, increasing within its topic. */
  id: string;
  topic: string;
  type: string;
  payload: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
}

/** What a publisher supplies; the store assigns `id` and `createdAt`. */
export interface NotificationDraft {
  type: string;
  payload?: Record<string, unknown>;
}

/** The state of an inbox entry for its user: `seen` (shown), `read` (acted on; implies seen), `archived` (dismissed). */
export interface InboxFlags {
  seen: boolean;
  read: boolean;
  archived: boolean;
}

/** An inbox entry: a personal notification with its state. */
export interface InboxItem extends Notification, InboxFlags {}

/** A user's inbox counts; archived entries are left out of both. */
export interface InboxCounts {
  unread: number;
  unseen: number;
}

export const BROADCAST_TOPIC = 'broadcast';
export const PERSONAL_TOPIC_PREFIX = 'user:';
export const PRIVATE_TOPIC_PREFIX = 'private:';
export const TOPIC_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const personalTopic = (userId: string): string => `${PERSONAL_TOPIC_PREFIX}${userId}`;

/** The user id a personal topic belongs to, or null for any other topic. */
export const topicOwner = (topic: string): string | null =>
  topic.startsWith(PERSONAL_TOPIC_PREFIX) ? topic.slice(PERSONAL_TOPIC_PREFIX.length) : null;
