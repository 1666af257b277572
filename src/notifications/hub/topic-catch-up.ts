import { Injectable, Logger } from '@nestjs/common';
import type { InboxCounts, Notification } from '../notification.model.js';
import { Hub } from './hub.service.js';
import { SharedReplayReads } from './shared-replay-reads.js';

/** Where a topic must catch up from: the last id delivered in it, else a fallback. */
export interface CatchUpPosition {
  topic: string;
  since: string | null;
}

/** A live notification that waits while its topic catches up. */
interface WaitingDelivery {
  notification: Notification;
  counts?: InboxCounts;
  previousId?: string | null;
}

/** A topic catching up: how many catch-ups are under way, and what arrived live meanwhile. */
interface CatchingUp {
  catchUps: number;
  waiting: WaitingDelivery[];
}

/**
 * Live delivery in front of the Hub, for topics that must catch up from the store first: after a
 * broker outage (every topic here), or when a notification names a predecessor this instance
 * never delivered (its instance could not publish it). A catching-up topic's live notifications
 * wait; when its last catch-up ends, what the store had goes out, then what waited, in id order
 * and once each (the Hub drops ids it delivered already).
 */
@Injectable()
export class TopicCatchUp {
  private readonly logger = new Logger(TopicCatchUp.name);
  private readonly topics = new Map<string, CatchingUp>();
  private missingHandler: ((position: CatchUpPosition) => void) | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly replayReads: SharedReplayReads,
  ) {}

  /** Names who reads the store for a topic whose notification never arrived; it must call resume. */
  onMissing(handler: (position: CatchUpPosition) => void): void {
    this.missingHandler = handler;
  }

  /** Delivers a live notification, unless its topic catches up (it waits) or must start to. */
  deliver(notification: Notification, counts?: InboxCounts, previousId?: string | null): number {
    const { topic } = notification;
    // Every notification reaches this instance here: a replay read before it may lack it.
    this.replayReads.forget(topic);
    const catchingUp = this.topics.get(topic);
    if (catchingUp) {
      catchingUp.waiting.push({ notification, counts, previousId });
      return 0;
    }
    if (previousId && this.missingHandler && this.hub.missed(topic, previousId)) {
      this.topics.set(topic, { catchUps: 1, waiting: [{ notification, counts, previousId }] });
      const since = this.hub.lastDeliveredId(topic) ?? null;
      this.logger.warn({ topic, previousId, lastDelivered: since }, 'a notification never arrived; catching up from the store');
      this.missingHandler({ topic, since });
      return 0;
    }
    return this.hub.deliver(notification, counts);
  }

  /**
   * Starts a catch-up of every topic with subscribers here; answers where each must read from:
   * its last delivered id, else `fallback` (nothing was delivered in it yet, so what came after
   * the last notification this instance saw).
   */
  holdAll(fallback: string | null): CatchUpPosition[] {
    return this.hub.topics().map((topic) => {
      const catchingUp = this.topics.get(topic) ?? { catchUps: 0, waiting: [] };
      catchingUp.catchUps++;
      this.topics.set(topic, catchingUp);
      return { topic, since: this.position(topic, fallback)! };
    });
  }

  /** Where `topic` catches up from: its last delivered id, else `fallback`; undefined when nobody here subscribes to it. */
  position(topic: string, fallback: string | null): string | null | undefined {
    const lastDelivered = this.hub.lastDeliveredId(topic);
    return lastDelivered === undefined ? undefined : (lastDelivered ?? fallback);
  }

  /**
   * Ends one catch-up of a topic: delivers what the store had and, once no other catch-up of it
   * is under way, what waited. `stored` is null when the store could not be read: what waited
   * then goes out without looking for gaps, rather than wait for ever.
   */
  resume(topic: string, stored: Notification[] | null): number {
    let delivered = 0;
    this.replayReads.forget(topic);
    for (const notification of stored ?? []) delivered += this.hub.deliver(notification);
    const catchingUp = this.topics.get(topic);
    if (!catchingUp) return delivered;
    if (--catchingUp.catchUps > 0) return delivered;
    this.topics.delete(topic);
    for (const { notification, counts, previousId } of catchingUp.waiting) {
      delivered += this.deliver(notification, counts, stored === null ? undefined : previousId);
    }
    return delivered;
  }
}
