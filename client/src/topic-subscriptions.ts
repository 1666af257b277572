import type { Notification } from './protocol-frames.js';

/** A `subscribe` to send on a fresh connection. */
export interface Resubscription {
  topic: string;
  since?: string;
}

interface Recovery {
  /** Live notifications that arrived before the replay was over. */
  held: Notification[];
  /** Replayed notifications still to come; null until `subscribed` says how many. */
  replaysLeft: number | null;
}

interface TopicState {
  /** Asked for by the app, as opposed to joined by the server (`user:<self>`, `broadcast`). */
  explicit: boolean;
  lastId?: string;
  /** Recent ids, oldest first, to drop duplicates without ever comparing ids. */
  seen: Set<string>;
  recovery?: Recovery;
}

/**
 * The topics a client is in, with the last id seen on each (its `since` after a reconnect),
 * a window of recent ids to drop duplicates, and the replay in progress after a `subscribe`:
 * live notifications are held until the replay is over so each topic is delivered in order.
 */
export class TopicSubscriptions {
  private readonly topics = new Map<string, TopicState>();

  /** @param dedupeWindow how many recent ids per topic are remembered to drop duplicates. */
  constructor(private readonly dedupeWindow = 1000) {}

  /** Starts tracking a topic; an automatic topic the app also asks for becomes explicit. */
  add(topic: string, explicit: boolean): void {
    const state = this.topics.get(topic);
    if (state) state.explicit ||= explicit;
    else this.topics.set(topic, { explicit, seen: new Set() });
  }

  /** Forgets a topic: its notifications are dropped from now on. */
  remove(topic: string): void {
    this.topics.delete(topic);
  }

  /** True when the app asked for the topic rather than the server joining it automatically. */
  isExplicit(topic: string): boolean {
    return this.topics.get(topic)?.explicit ?? false;
  }

  /** Every tracked topic, in the order it was added. */
  list(): string[] {
    return [...this.topics.keys()];
  }

  /** The last id delivered on a topic: the `since` of its next `subscribe`. */
  cursor(topic: string): string | undefined {
    return this.topics.get(topic)?.lastId;
  }

  /**
   * What to subscribe on a fresh connection: every explicit topic, and every automatic one
   * that has a cursor (the server rejoins those by itself, but only a `since` recovers the gap).
   */
  resubscriptions(): Resubscription[] {
    const list: Resubscription[] = [];
    for (const [topic, state] of this.topics) {
      if (state.explicit || state.lastId !== undefined) {
        list.push(state.lastId === undefined ? { topic } : { topic, since: state.lastId });
      }
    }
    return list;
  }

  /** A `subscribe` was sent: hold the topic's live notifications until its replay is over. */
  beginRecovery(topic: string): void {
    const state = this.topics.get(topic);
    if (state) state.recovery = { held: [], replaysLeft: null };
  }

  /** `subscribed` arrived: `missed` replayed notifications follow. Returns what is ready to deliver. */
  acceptSubscribed(topic: string, missed: number): Notification[] {
    const recovery = this.topics.get(topic)?.recovery;
    if (!recovery) return [];
    recovery.replaysLeft = missed;
    return missed > 0 ? [] : this.finishRecovery(topic);
  }

  /** A `subscribe` failed: stop holding and release what was held. */
  abortRecovery(topic: string): Notification[] {
    return this.topics.get(topic)?.recovery ? this.finishRecovery(topic) : [];
  }

  /**
   * The socket is gone: forget replays in progress. Held notifications are dropped on purpose:
   * the cursor did not move past them, so the next `since` brings them back in order.
   */
  dropRecoveries(): void {
    for (const state of this.topics.values()) state.recovery = undefined;
  }

  /** A `notification` arrived. Returns the notifications to deliver now, deduplicated, in order. */
  accept(notification: Notification): Notification[] {
    const state = this.topics.get(notification.topic);
    if (!state) return [];
    const recovery = state.recovery;
    if (!recovery) return this.deliverable(state, notification);
    if (recovery.replaysLeft === null || recovery.replaysLeft === 0) {
      recovery.held.push(notification);
      return [];
    }
    recovery.replaysLeft -= 1;
    const ready = this.deliverable(state, notification);
    return recovery.replaysLeft === 0 ? [...ready, ...this.finishRecovery(notification.topic)] : ready;
  }

  private finishRecovery(topic: string): Notification[] {
    const state = this.topics.get(topic)!;
    const held = state.recovery?.held ?? [];
    state.recovery = undefined;
    return held.flatMap((notification) => this.deliverable(state, notification));
  }

  /** Records a notification as seen and moves the cursor; empty when it is a duplicate. */
  private deliverable(state: TopicState, notification: Notification): Notification[] {
    if (state.seen.has(notification.id)) return [];
    state.seen.add(notification.id);
    if (state.seen.size > this.dedupeWindow) state.seen.delete(state.seen.values().next().value!);
    state.lastId = notification.id;
    return [notification];
  }
}
