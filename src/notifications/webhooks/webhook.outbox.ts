import type { StorePosition } from '../store/notification-store.js';

/** An event waiting in the outbox, leased to the instance that claimed it. */
export interface OutboxEntry {
  id: string;
  body: string;
  /** Attempts started, this one included. */
  attempts: number;
  /** When it was stored (ms): retries stop WEBHOOK_RETRY_S after it. */
  createdAt: number;
}

/** What the outbox stores of an event: its id and the exact body to send. */
export interface OutboxEvent {
  id: string;
  body: string;
}

/**
 * The durable queue of webhook events, in the store's database: an event is stored before it is
 * sent and stays until a 2xx answer or the end of its retries. Ids are unique: enqueuing an id
 * that is there (or was delivered within DELIVERED_KEPT_MS) does nothing, so instances that see
 * the same change store it once. A claim leases entries: another instance takes them only once
 * the lease ran out (the claimer crashed), so each event is sent by one instance at a time.
 */
export interface WebhookOutbox {
  /** Creates its tables when missing. */
  open(): Promise<void>;
  enqueue(events: OutboxEvent[], now: number): Promise<void>;
  /** Leases up to `limit` entries due at `now` until `leaseUntil` (ms), counting an attempt for each. */
  claim(limit: number, now: number, leaseUntil: number): Promise<OutboxEntry[]>;
  /** Done with an entry: delivered, or given up after WEBHOOK_RETRY_S. Kept a while to refuse its id again. */
  finish(id: string, now: number): Promise<void>;
  /** The entry's next attempt is not before `at` (ms). */
  retryAt(id: string, at: number): Promise<void>;
  /** Entries not finished yet, across the cluster. */
  depth(): Promise<number>;
  /** Forgets finished entries older than `before` (ms). */
  prune(before: number): Promise<void>;
  /** Where the escalation scan stopped; `start` (and stored) when it never ran. */
  escalationCursor(start: StorePosition): Promise<StorePosition>;
  /** Enqueues the scan's events and moves its cursor forward to `cursor`, in one transaction. */
  escalate(events: OutboxEvent[], cursor: StorePosition, now: number): Promise<void>;
  close(): Promise<void>;
}

export const WEBHOOK_OUTBOX = Symbol('WEBHOOK_OUTBOX');

/** How long a finished event's id is kept to refuse a late duplicate of it. */
export const DELIVERED_KEPT_MS = 24 * 3600 * 1000;
