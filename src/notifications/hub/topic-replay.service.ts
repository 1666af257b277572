import { Inject, Injectable } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import type { SubscribedData } from '../protocol/frames.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import { coalesceWrites } from './coalesced-writes.js';
import { Frame } from './frame.js';
import { Hub } from './hub.service.js';
import type { HeldFrame, ReplayRun } from './replay-run.js';
import { readWindow, type ReplayWindow } from './replay-window.js';
import { SharedReplayReads } from './shared-replay-reads.js';
import type { Connection } from './connection.js';

/**
 * Subscribes a socket to a topic, replaying what it missed after `since` first: the newest
 * MAX_REPLAY of it, a page at a time, at the pace the client reads. Live notifications that arrive
 * meanwhile are held, then sent after it, skipping any the replay already carried: no gap, no
 * duplicate. Subscribes of a topic whose replay is under way wait for it and continue the same
 * stream; an unsubscribe (or close) stops it and drops the subscribes still waiting behind it.
 */
@Injectable()
export class TopicReplay {
  constructor(
    private readonly hub: Hub,
    private readonly reads: SharedReplayReads,
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  /** `answered` hears the `subscribed` reply as it is written, before the replay it announces. */
  async subscribe(connection: Connection, topic: string, since?: string, answered?: (reply: SubscribedData) => void): Promise<void> {
    // A socket that closed while its subscription was being authorized must not rejoin a topic.
    if (!connection.open) return;
    let run = connection.replayOf(topic);
    if (!run && since === undefined) {
      this.hub.join(connection, topic);
      return this.answer(connection, { topic, recovered: false, missed: 0 }, answered);
    }
    if (!run) {
      // Held from before the store is read: whatever the read misses arrives live, and is held.
      run = connection.startReplay(topic, this.options.maxReplay);
      this.hub.join(connection, topic);
    }
    const current = run;
    await current.next(() => this.turn(connection, topic, since, current, answered));
  }

  private answer(connection: Connection, reply: SubscribedData, answered?: (reply: SubscribedData) => void): void {
    this.hub.send(connection, 'subscribed', reply);
    answered?.(reply);
  }

  /** One subscribe's share of a run: its replay (none without `since`), then what was held meanwhile. */
  private async turn(
    connection: Connection,
    topic: string,
    since: string | undefined,
    run: ReplayRun,
    answered?: (reply: SubscribedData) => void,
  ): Promise<void> {
    try {
      if (since === undefined) this.answer(connection, { topic, recovered: false, missed: 0 }, answered);
      else if (!(await this.replay(connection, topic, since, run, answered))) return connection.release(topic, run);
      await this.sendHeld(connection, topic, run);
    } catch (error) {
      // A subscribe that failed leaves its topic (and stops holding it), unless another subscribe of it is queued.
      if (run.idle) this.hub.leave(connection, topic);
      throw error;
    }
  }

  /** Writes the window after `since`, preceded by `subscribed`; false when the run stopped or the socket went. */
  private async replay(connection: Connection, topic: string, since: string, run: ReplayRun, answered?: (reply: SubscribedData) => void): Promise<boolean> {
    const start = run.startFor(since);
    const { window, frames } = await this.reads.measure(topic, start);
    if (run.stopped) return false;
    const recovered = run.begin(since, start, window);
    coalesceWrites(connection.output);
    this.answer(connection, { topic, recovered, missed: window.count }, answered);
    for await (const { id, frame } of frames ?? this.framesOf(topic, window)) {
      if (!(await this.hub.writePaced(connection, frame, run))) return false;
      run.advance(id);
    }
    return true;
  }

  private async *framesOf(topic: string, window: ReplayWindow): AsyncGenerator<HeldFrame> {
    for await (const notification of readWindow(this.store, topic, window)) yield { id: notification.id, frame: Frame.of('notification', notification) };
  }

  /**
   * Sends what was held during the replay, minus what it carried, then stops holding unless
   * another subscribe of the topic waits. The last check and the end happen in one go, so no live
   * notification can fall between them; ones the replay carried that arrive later are skipped
   * by the Hub (see Connection.replayed).
   */
  private async sendHeld(connection: Connection, topic: string, run: ReplayRun): Promise<void> {
    for (let held = run.takeHeld(); held.length > 0; held = run.takeHeld()) {
      for (const { id, frame } of held) {
        if (!run.isNew(id)) continue;
        if (!(await this.hub.writePaced(connection, frame, run))) return connection.release(topic, run);
        run.advance(id);
      }
    }
    if (run.idle) connection.endReplay(topic, run);
  }
}
