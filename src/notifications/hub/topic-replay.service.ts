import { Inject, Injectable } from '@nestjs/common';
import { WebSocket } from 'ws';
import { seqOf } from '../store/notification-id.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import { readAllSince } from '../store/read-all-since.js';
import { Hub } from './hub.service.js';
import type { Subscriber } from './subscriber.js';


/**
 * Subscribes a socket to a topic, replaying what it missed after `since` first. Live
 * notifications that arrive during the replay are held, then sent after it, skipping any
 * the replay already carried: no gap, no duplicate.
 */
@Injectable()
export class TopicReplay {
  constructor(
    private readonly hub: Hub,
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
  ) {}

  async subscribe(subscriber: Subscriber, topic: string, since?: string): Promise<void> {
    // A socket that closed while its subscription was being authorized must not rejoin a topic.
    if (subscriber.socket.readyState !== WebSocket.OPEN) return;
    if (since === undefined) {
      this.hub.join(subscriber, topic);
      this.hub.send(subscriber, 'subscribed', { topic, recovered: false, missed: 0 });
      return;
    }
    const held = subscriber.hold(topic);
    this.hub.join(subscriber, topic);
    try {
      const { items, recovered } = await readAllSince(this.store, topic, since);
      this.hub.send(subscriber, 'subscribed', { topic, recovered, missed: items.length });
      for (const notification of items) this.hub.send(subscriber, 'notification', notification);
      // A `since` that was not recovered may come from another epoch: its seq means nothing here.
      const lastSeq = items.length > 0 ? seqOf(items[items.length - 1].id) : recovered ? seqOf(since) : 0;
      // Stop holding before sending the held ones: nothing can arrive in between (one thread).
      subscriber.release(topic);
      for (const notification of held) {
        if (seqOf(notification.id) > lastSeq) this.hub.send(subscriber, 'notification', notification);
      }
    } catch (error) {
      this.hub.leave(subscriber, topic);
      throw error;
    }
  }
}
