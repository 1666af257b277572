/** The public API of the notifications client, for browsers and Node. */
export { NotificationsClient, SUBPROTOCOL, CloseCode, type NotificationsClientOptions } from './notifications-client.js';
export type { ClientEventMap, ClientListener, ConnectionState, DisconnectInfo, StateChange } from './client-events.js';
export { CommandRejectedError } from './command-rejected.error.js';
export { ReconnectBackoff, type ReconnectBackoffOptions } from './reconnect-backoff.js';
export { tokenExpiresAt } from './token-expiry.js';
export type { WebSocketConstructor, WebSocketLike } from './websocket-like.js';
export type { EventSourceConstructor, EventSourceLike, StreamMessage } from './event-source-like.js';
export { FetchEventSource } from './fetch-event-source.js';
export type { TransportKind } from './transport.js';
export type {
  AuthenticatedData,
  CountsData,
  ExceptionCode,
  ExceptionData,
  InboxItem,
  InboxPage,
  InboxQuery,
  MarkFlags,
  MarkSelection,
  Notification,
  SubscribedData,
  UnreadData,
  UnsubscribedData,
  WelcomeData,
} from './protocol-frames.js';
export { createInbox, type Inbox, type InboxOptions, type InboxSnapshot, type InboxSource } from './inbox.store.js';
