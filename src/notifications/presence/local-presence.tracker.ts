import { Subject } from 'rxjs';
import type { PresenceTracker, PresenceTransition } from './presence.tracker.js';

/** Presence of one instance (BROKER=local): the Hub's users, with a timer per user in the grace period. */
export class LocalPresenceTracker implements PresenceTracker {
  private readonly subject = new Subject<PresenceTransition>();
  readonly transitions$ = this.subject.asObservable();
  private readonly connectedUsers = new Set<string>();
  /** Users whose last connection closed, until their grace period ends. */
  private readonly leaving = new Map<string, NodeJS.Timeout>();

  constructor(private readonly graceMs: number) {}

  async start(): Promise<void> {}

  connected(userId: string): void {
    this.connectedUsers.add(userId);
    const timer = this.leaving.get(userId);
    if (timer !== undefined) {
      // Back within the grace period (a page reload): no transition at all.
      clearTimeout(timer);
      this.leaving.delete(userId);
      return;
    }
    this.subject.next({ userId, online: true, at: new Date().toISOString() });
  }

  disconnected(userId: string): void {
    this.connectedUsers.delete(userId);
    const at = new Date().toISOString();
    const timer = setTimeout(() => {
      this.leaving.delete(userId);
      this.subject.next({ userId, online: false, at });
    }, this.graceMs);
    this.leaving.set(userId, timer.unref());
  }

  async online(userIds: string[]): Promise<boolean[]> {
    return userIds.map((userId) => this.connectedUsers.has(userId));
  }

  async close(): Promise<void> {
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
    this.subject.complete();
  }
}
