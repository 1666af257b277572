import type { Observable } from 'rxjs';

/** A user went online (first connection on any instance) or offline (PRESENCE_GRACE_S after the last closed). */
export interface PresenceTransition {
  userId: string;
  online: boolean;
  /** ISO 8601: when the first connection opened, or when the last one closed. */
  at: string;
}

/**
 * Who is online, on this instance alone (local) or across a cluster (Redis). The Hub tells it of
 * each user's first connection opening and last one closing on this instance; it answers whether
 * users have a connection anywhere now, and announces graced transitions once per cluster change.
 */
export interface PresenceTracker {
  /** Every graced transition, once, on every instance. */
  readonly transitions$: Observable<PresenceTransition>;
  /** `localUsers` lists the users connected here, to rebuild this instance's share after an outage. */
  start(localUsers: () => string[]): Promise<void>;
  connected(userId: string): void;
  disconnected(userId: string): void;
  /** For each id, whether the user has an open connection on any instance now. */
  online(userIds: string[]): Promise<boolean[]>;
  /** This instance's connections stop counting (their users enter the grace period). */
  close(): Promise<void>;
}

export const PRESENCE_TRACKER = Symbol('PRESENCE_TRACKER');
