import type { Notification } from './notification.model.js';

/**
 * What the module reports as it works, for a host app to measure (the service's Prometheus
 * metrics implement it). Pass one as the `observer` option; every call is cheap and synchronous,
 * and none is made per socket when a notification is delivered.
 */
export interface NotificationsObserver {
  /** A connection opened (+1) or closed (-1): a WebSocket, or an SSE stream. */
  connectionsChanged(delta: number, transport: 'websocket' | 'sse'): void;
  /** Topic memberships added or removed, the automatic `broadcast` and `user:<id>` ones included. */
  subscriptionsChanged(delta: number): void;
  /** A client frame arrived: its event when the service handles it, `unknown` for another event, `invalid` when unreadable, `limited` when over COMMAND_RATE (not read). */
  frameReceived(event: string): void;
  /** An `exception` frame was sent with this code. */
  exceptionSent(code: string): void;
  /** The server closed a connection for a reason of its own (4001, 4008, 1008). */
  connectionClosed(code: number): void;
  /** Notifications were stored and handed to the broker, `seconds` after their append began. */
  published(notifications: readonly Notification[], seconds: number): void;
  /** One live notification was written to `count` sockets of this instance. */
  delivered(count: number): void;
  /** A store operation failed for a reason other than the request itself (conflict, bad cursor). */
  storeFailed(operation: string): void;
  /** A broker operation failed. */
  brokerFailed(operation: string): void;
  /** A webhook request ended: `delivered` (2xx), `rejected` (another status), `timeout` or `unreachable`. */
  webhookAttempted?(outcome: string): void;
  /** A webhook event was given up, undelivered after WEBHOOK_RETRY_S. */
  webhookFailed?(): void;
  /** Webhook events waiting in the outbox, across the cluster. */
  webhookOutboxDepth?(depth: number): void;
}
