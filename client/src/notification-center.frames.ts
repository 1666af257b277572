/**
 * The frames of the notification center (contract 1.2, section 11): `mark`, `inbox` and `counts`.
 * The service's src/notifications/protocol/frames.ts does not declare them yet; once it does,
 * this file re-exports them from there (see protocol-frames.ts) and keeps only the exports below.
 */
import type { Notification } from './protocol-frames.js';

/** The user's counts: after `welcome`, as the reply to `mark`, and whenever either changes. Archived items are left out. */
export interface CountsData {
  unread: number;
  unseen: number;
}

/** Which notifications a `mark` applies to. */
export type MarkSelection = { ids: string[] } | { all: true };

/** The flags a `mark` sets; at least one. Reading implies seen. */
export interface MarkFlags {
  seen?: boolean;
  read?: boolean;
  archived?: boolean;
}

/** `mark` data: a selection plus flags. */
export type MarkData = MarkSelection & MarkFlags;

/** `inbox` data: one page of the caller's own inbox, newest first. */
export interface InboxQuery {
  /** 1 to 100; default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  before?: string;
  unread?: true;
  /** Default false: the feed. */
  archived?: boolean;
  types?: string[];
}

/** An inbox entry: a personal notification with its three flags. */
export interface InboxItem extends Notification {
  seen: boolean;
  read: boolean;
  archived: boolean;
}

/** The reply to `inbox`. */
export interface InboxPage extends CountsData {
  items: InboxItem[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** The commands of section 11 by event (`read` is section 4's). */
export interface NotificationCenterCommands {
  mark: MarkData;
  inbox: InboxQuery;
}

/** The frames of section 11 by event. */
export interface NotificationCenterFrames {
  counts: CountsData;
  inbox: InboxPage;
}
