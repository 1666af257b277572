/** A notification as the service delivers it. */
export interface Notification {
  /** Opaque; increasing within its topic. Never compared, only passed back as `since`. */
  id: string;
  topic: string;
  type: string;
  payload: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
}

/** First frame of every connection. */
export interface WelcomeData {
  connectionId: string;
  /** Null when the connection is anonymous. */
  userId: string | null;
  heartbeatMs: number;
}

/** The user's unread count, pushed after `welcome` and whenever it changes. */
export interface UnreadData {
  count: number;
}

/** Reply to `subscribe`; `missed` notifications of the topic follow it. */
export interface SubscribedData {
  topic: string;
  /** True only when a `since` was given and everything after it was replayed. */
  recovered: boolean;
  missed: number;
}

/** Reply to `unsubscribe`. */
export interface UnsubscribedData {
  topic: string;
}

/** Reply to `auth`. */
export interface AuthenticatedData {
  userId: string;
  /** ISO 8601, or null for a token without `exp`. */
  expiresAt: string | null;
}

/** The stable error codes of `exception` frames. */
export type ExceptionCode =
  | 'BAD_JSON'
  | 'UNKNOWN_EVENT'
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'LIMIT_EXCEEDED'
  | 'INTERNAL';

/** A command the server refused or failed. */
export interface ExceptionData {
  status: 'error';
  code: ExceptionCode;
  message: string;
  errors?: { field: string; messages: string[] }[];
  /** The command that failed, whenever it could be read; `data` is left out when over 1 KiB. */
  cause?: { pattern: string; data?: unknown };
}

/** Every frame the server sends, keyed by its `event`. */
export interface ServerFrameMap {
  welcome: WelcomeData;
  notification: Notification;
  unread: UnreadData;
  subscribed: SubscribedData;
  unsubscribed: UnsubscribedData;
  authenticated: AuthenticatedData;
  pong: { time: string | number };
  exception: ExceptionData;
}

/** A server frame: `{event, data}`, Nest's WsAdapter envelope. */
export type ServerFrame = {
  [E in keyof ServerFrameMap]: { event: E; data: ServerFrameMap[E] };
}[keyof ServerFrameMap];

/** Every command a client may send, keyed by its `event`. */
export interface ClientCommandMap {
  subscribe: { topic: string; since?: string };
  unsubscribe: { topic: string };
  read: { ids: string[] } | { all: true };
  auth: { token: string };
  ping: Record<string, never>;
}

/** Reads one text frame; null when it is not an `{event, data}` object. */
export function parseServerFrame(text: unknown): ServerFrame | null {
  if (typeof text !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { event, data } = value as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || typeof data !== 'object' || data === null) return null;
  return value as ServerFrame;
}

/** Serializes one command in the `{event, data}` envelope. */
export const encodeCommand = <E extends keyof ClientCommandMap>(event: E, data: ClientCommandMap[E]): string =>
  JSON.stringify({ event, data });
