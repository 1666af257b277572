import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type HubEvent, NOTIFICATION_BROKER, type NotificationBroker } from '../broker/notification-broker.js';
import { Hub } from '../hub/hub.service.js';
import { type CatchUpPosition, TopicCatchUp } from '../hub/topic-catch-up.js';
import type { InboxCounts, Notification } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { seqOf } from '../store/notification-id.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import { readAllSince } from '../store/read-all-since.js';

/** Topics read from the store at once when catching up after a broker outage. */
const CATCH_UP_CONCURRENCY = 16;
/** Between reads of a topic's catch-up that failed. */
const CATCH_UP_RETRY_MS = 500;
/** Topics whose newest ids one store call answers, before any of them is read. */
const NEWEST_IDS_BATCH = 1000;

/**
 * Carries hub events between the broker and this instance's Hub, and keeps the Hub whole when
 * the broker fails: a publish the broker refused is delivered here from the store, and after a
 * broker blink (or a notification that never arrived) the affected topics catch up from the
 * store, in id order, before live delivery resumes.
 */
@Injectable()
export class HubRelay implements OnModuleInit {
  private readonly logger = new Logger(HubRelay.name);
  /** The newest notification (by id) that arrived through the broker. */
  private lastBrokered: string | null = null;
  private lastBrokeredSeq = 0;
  /** A publish failed: other instances may have missed it, so the next message asks them to catch up. */
  private owesCatchUp = false;
  /** Events dispatched in this microtask, sent together as one broker message. */
  private outbox: HubEvent[] = [];
  private outboxSent: Promise<void> | null = null;

  constructor(
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    @Inject(NOTIFICATION_BROKER) private readonly broker: NotificationBroker,
    private readonly hub: Hub,
    private readonly catchUps: TopicCatchUp,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    this.broker.onResubscribe((subscribed) => void this.catchUp(subscribed));
    this.catchUps.onMissing((position) => void this.catchUpTopic(position));
    await this.broker.start((event) => this.fromBroker(event));
  }

  /** Stops the broker; NotificationsService calls it at shutdown, before the store closes. */
  async close(): Promise<void> {
    await this.broker.close();
  }

  /**
   * Hands events to the broker; resolves once they are published, or delivered here. Events
   * dispatched in the same microtask (the hooks of one commit batch) go as one message, in
   * dispatch order. If the broker is down they are stored already: this instance delivers them
   * itself, and the others catch up from the store when their broker returns.
   */
  dispatch(events: HubEvent[]): Promise<void> {
    for (const event of events) this.outbox.push(event);
    this.outboxSent ??= Promise.resolve().then(() => this.sendOutbox());
    return this.outboxSent;
  }

  private async sendOutbox(): Promise<void> {
    const events = this.outbox;
    this.outbox = [];
    this.outboxSent = null;
    // After a failed publish, the next message tells every instance to catch up before using it.
    const message: HubEvent[] = this.owesCatchUp ? [{ kind: 'catch-up' }, ...events] : events;
    try {
      await this.broker.publish(message);
      this.owesCatchUp = false;
    } catch (error) {
      this.owesCatchUp = true;
      this.logger.warn(`broker publish failed, delivering from the store: ${(error as Error).message}`);
      await this.deliverFromStore(events);
    }
  }

  /**
   * Delivers events the broker refused on this instance, reading their topics from the store
   * first: notifications other instances stored meanwhile come before them, in id order (the
   * store still holds the topics' write order), instead of being skipped for good.
   */
  private async deliverFromStore(events: HubEvent[]): Promise<void> {
    const inboxCounts = new Map<string, InboxCounts>();
    const topics = new Set<string>();
    for (const event of events) {
      if (event.kind !== 'notification') continue;
      topics.add(event.notification.topic);
      if (event.counts !== undefined) inboxCounts.set(event.notification.id, event.counts);
    }
    for (const topic of topics) {
      const since = this.catchUps.position(topic, this.lastBrokered);
      if (!since) continue;
      try {
        const { items } = await readAllSince(this.store, topic, since);
        for (const notification of items) this.countDelivered(this.catchUps.deliver(notification, inboxCounts.get(notification.id)));
      } catch (error) {
        // The notifications are stored: never fail the publish for a read; deliver the events as they are.
        this.logger.warn(`reading ${topic} after a broker failure failed: ${(error as Error).message}`);
      }
    }
    for (const event of events) this.toHub(event);
  }

  private toHub(event: HubEvent): void {
    if (event.kind === 'notification') this.countDelivered(this.catchUps.deliver(event.notification, event.counts, event.previousId));
    else if (event.kind === 'counts') this.hub.sendCounts(event.userId, event.counts, event.skipConnectionId);
    // Holding starts before the next event of the same message is handed over: it waits its turn.
    else void this.catchUp();
  }

  /** A separate call so that delivery never sits inside an optional chain that could skip it. */
  private countDelivered(sockets: number): void {
    this.options.observer?.delivered(sockets);
  }

  /**
   * After a broker blink, delivers what every locally subscribed topic missed meanwhile, from
   * the store, in id order. Live delivery in each topic is held from now until its catch-up is
   * done; the store is read once `ready` (the broker's subscription) is in place, so whatever
   * it does not hold yet arrives live, after it.
   */
  private async catchUp(ready: Promise<void> = Promise.resolve()): Promise<void> {
    const positions = this.catchUps.holdAll(this.lastBrokered);
    // A subscription that failed again is retried, with a catch-up of its own; read anyway.
    await ready.catch(() => undefined);
    for (let i = 0; i < positions.length; i += NEWEST_IDS_BATCH) {
      const behind = await this.resumeUnlessBehind(positions.slice(i, i + NEWEST_IDS_BATCH));
      for (let j = 0; j < behind.length; j += CATCH_UP_CONCURRENCY) {
        await Promise.all(behind.slice(j, j + CATCH_UP_CONCURRENCY).map((position) => this.catchUpTopic(position)));
      }
    }
  }

  /**
   * Resumes the topics that hold nothing after their position (most of them, after a short
   * blink), asking the store once for all; answers the others, which must be read.
   */
  private async resumeUnlessBehind(positions: CatchUpPosition[]): Promise<CatchUpPosition[]> {
    let newest: Map<string, string>;
    try {
      newest = await this.store.newestIds(positions.map(({ topic }) => topic));
    } catch (error) {
      // Each topic's own read then succeeds or fails on its own.
      this.logger.warn(`catch-up could not ask the store for its topics' newest ids: ${(error as Error).message}`);
      return positions;
    }
    return positions.filter(({ topic, since }) => {
      const id = newest.get(topic);
      if (id !== undefined && since !== null && seqOf(id) > seqOf(since)) return true;
      this.countDelivered(this.catchUps.resume(topic, []));
      return false;
    });
  }

  /**
   * Reads what a held topic missed and resumes it (see TopicCatchUp.resume). A failed read is
   * tried again, the topic still held, for up to HEARTBEAT_MS: resuming without it would leave
   * live clients a gap they never hear of, where a stalled store most often answers again soon.
   */
  private async catchUpTopic({ topic, since }: CatchUpPosition): Promise<void> {
    let stored: Notification[] | null = [];
    const giveUpAt = Date.now() + this.options.heartbeatMs;
    try {
      while (since !== null) {
        try {
          stored = (await readAllSince(this.store, topic, since)).items;
          break;
        } catch (error) {
          this.logger.warn(`catch-up of ${topic} failed: ${(error as Error).message}`);
          if (Date.now() + CATCH_UP_RETRY_MS > giveUpAt) {
            stored = null;
            break;
          }
          await delay(CATCH_UP_RETRY_MS, undefined, { ref: false });
        }
      }
    } finally {
      this.countDelivered(this.catchUps.resume(topic, stored));
    }
  }

  /** Remembers the newest notification the broker brought, where topics with no delivery yet catch up from. */
  private fromBroker(event: HubEvent): void {
    if (event.kind === 'notification') {
      const seq = seqOf(event.notification.id);
      if (seq > this.lastBrokeredSeq) {
        this.lastBrokeredSeq = seq;
        this.lastBrokered = event.notification.id;
      }
    }
    this.toHub(event);
  }
}
