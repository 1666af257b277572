import type { InboxCounts, InboxItem, Notification } from '../notification.model.js';
import type { ExceptionData } from './exceptions.js';

export type { InboxCounts, InboxItem, Notification };

/** First frame of every connection. */
export interface WelcomeData {
  connectionId: string;
  /** Null when the connection is anonymous. */
  userId: string | null;
  heartbeatMs: number;
}

/** The user's unread count: after `welcome`, as the answer to `read`, and whenever it changes. */
export interface UnreadData {
  count: number;
}

/** Answer to `subscribe`; the `missed` notifications of the topic follow it. */
export interface SubscribedData {
  topic: string;
  /** True only when a `since` was given and everything after it was replayed. */
  recovered: boolean;
  missed: number;
}

/** Answer to `unsubscribe`. */
export interface UnsubscribedData {
  topic: string;
}

/** Answer to `auth`. */
export interface AuthenticatedData {
  userId: string;
  /** ISO 8601, or null for a token without `exp`. */
  expiresAt: string | null;
}

/** Answer to `ping`: the server's time, ISO 8601. */
export interface PongData {
  time: string;
}

/** The user's inbox counts, archived notifications left out: after `welcome`, as the answer to `mark`, and whenever either changes. */
export type CountsData = InboxCounts;

/** Answer to `inbox`: a page of the caller's own inbox, newest first, with the counts. */
export interface InboxData extends InboxCounts {
  items: InboxItem[];
  /** Pass as `before` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Every frame the server sends, by event, with its data. */
export interface ServerFrames {
  welcome: WelcomeData;
  notification: Notification;
  unread: UnreadData;
  subscribed: SubscribedData;
  unsubscribed: UnsubscribedData;
  authenticated: AuthenticatedData;
  pong: PongData;
  exception: ExceptionData;
  counts: CountsData;
  inbox: InboxData;
}

/** Join a topic; with `since`, what came after it is replayed first. */
export interface SubscribeData {
  topic: string;
  since?: string;
}

export interface UnsubscribeData {
  topic: string;
}

/** Mark inbox notifications read, by id or all of them. */
export interface ReadByIds {
  ids: string[];
}
export interface ReadAll {
  all: true;
}

/** Set flags of inbox notifications, by id or all of them: at least one flag; read implies seen. */
export type MarkData = (ReadByIds | ReadAll) & { seen?: boolean; read?: boolean; archived?: boolean };

/** A page of the caller's inbox: `unread` only unread ones, `archived` the archived ones instead of the others. */
export interface InboxQueryData {
  limit?: number;
  before?: string;
  unread?: true;
  archived?: boolean;
  types?: string[];
}

/** A fresh JWT for the same user. */
export interface AuthData {
  token: string;
}

/** No fields. */
export type PingData = Record<string, never>;

/** Every command a client may send, by event, with its data. */
export interface ClientCommands {
  subscribe: SubscribeData;
  unsubscribe: UnsubscribeData;
  read: ReadByIds | ReadAll;
  auth: AuthData;
  ping: PingData;
  mark: MarkData;
  inbox: InboxQueryData;
}

export type ServerEvent = keyof ServerFrames;
export type ClientEvent = keyof ClientCommands;

/** A server frame: `{event, data}`, Nest's WsAdapter envelope. */
export type ServerFrame = { [E in ServerEvent]: { event: E; data: ServerFrames[E] } }[ServerEvent];
