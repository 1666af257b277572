/** How long topic history is kept. */
export interface RetentionPolicy {
  /** Notifications kept per topic (HISTORY_LIMIT). */
  historyLimit: number;
  /** Seconds a notification is kept (HISTORY_TTL_S); 0 keeps them until HISTORY_LIMIT pushes them out. */
  historyTtlS: number;
}

/** How long an idempotency key is remembered (pruned by `NotificationStore.prune()`). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
