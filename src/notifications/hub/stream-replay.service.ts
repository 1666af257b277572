import { Inject, Injectable } from '@nestjs/common';
import type { Notification } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { seqOf } from '../store/notification-id.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import type { Connection } from './connection.js';
import { Frame } from './frame.js';
import { Hub } from './hub.service.js';
import type { HeldFrame, ReplayRun } from './replay-run.js';
import { measureReplay, readWindow, type ReplayWindow } from './replay-window.js';

/** One topic of a stream replay: its run, and the notification of its window to write next. */
interface ReplaySource {
  topic: string;
  run: ReplayRun;
  window: ReplayWindow;
  pending?: AsyncGenerator<Notification>;
  head?: Notification;
}

/**
 * Replays what a stream (SSE, `Last-Event-ID`) missed after one id on ALL its topics as one
 * sequence in id order: ids carry a store-wide seq, so the last id the stream received is a
 * valid `since` for every topic, also when it drops again mid-replay. Each topic replays the
 * newest MAX_REPLAY after `since` (`subscribed {topic, recovered, missed}` first, one per topic,
 * as on the WebSocket); live notifications are held meanwhile and sent after, merged in id
 * order, minus what the replay carried. Built on the topics' ReplayRuns, so a `subscribe` of one
 * of them waits for this replay and continues the same stream.
 */
@Injectable()
export class StreamReplay {
  constructor(
    private readonly hub: Hub,
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  /** Starts holding the live notifications of `topics`: call before the connection joins them. */
  hold(connection: Connection, topics: readonly string[]): Map<string, ReplayRun> {
    return new Map(topics.map((topic) => [topic, connection.startReplay(topic, this.options.maxReplay)]));
  }

  /** Replays after `since` on the held topics; resolves once every one of them is live again. */
  async replay(connection: Connection, runs: Map<string, ReplayRun>, since: string): Promise<void> {
    const merged = this.replayAll(connection, runs, since);
    // Subscribes of these topics queue behind the merged replay, as behind a subscribe's own.
    await Promise.all([...runs.values()].map((run) => run.next(() => merged)));
  }

  private async replayAll(connection: Connection, runs: Map<string, ReplayRun>, since: string): Promise<void> {
    const sources: ReplaySource[] = await Promise.all(
      [...runs].map(async ([topic, run]) => ({ topic, run, window: await measureReplay(this.store, topic, since, this.options.maxReplay) })),
    );
    for (const source of sources) {
      if (source.run.stopped) continue;
      const recovered = source.run.begin(since, since, source.window);
      this.hub.send(connection, 'subscribed', { topic: source.topic, recovered, missed: source.window.count });
      source.pending = readWindow(this.store, source.topic, source.window);
    }
    try {
      if (!(await this.writeWindows(connection, sources))) return;
      await this.sendHeld(connection, sources);
    } finally {
      await Promise.all(sources.flatMap((source) => (source.pending ? [source.pending.return(undefined)] : [])));
    }
  }

  /** Writes the windows merged in id order; false when the connection went. */
  private async writeWindows(connection: Connection, sources: ReplaySource[]): Promise<boolean> {
    await Promise.all(sources.map((source) => this.advance(source)));
    for (let next = earliest(sources); next !== undefined; next = earliest(sources)) {
      const notification = next.head!;
      if (await this.hub.writePaced(connection, Frame.of('notification', notification), next.run)) {
        next.run.advance(notification.id);
        await this.advance(next);
      } else if (!connection.open) return false;
      // An unsubscribe stopped this topic's run: the rest of its window is not wanted.
      else next.head = undefined;
    }
    return true;
  }

  private async advance(source: ReplaySource): Promise<void> {
    const step = source.pending && !source.run.stopped ? await source.pending.next() : null;
    source.head = step && !step.done ? step.value : undefined;
  }

  /**
   * Sends what was held during the replay, merged in id order, minus what the replay carried;
   * then each topic whose run no subscribe waits on goes live. The last check and the ends
   * happen in one go, so no live notification falls between them.
   */
  private async sendHeld(connection: Connection, sources: ReplaySource[]): Promise<void> {
    for (;;) {
      const held = sources.flatMap(({ run }) => run.takeHeld().map((frame): [ReplayRun, HeldFrame] => [run, frame]));
      if (held.length === 0) break;
      held.sort(([, a], [, b]) => seqOf(a.id) - seqOf(b.id));
      for (const [run, { id, frame }] of held) {
        if (!run.isNew(id)) continue;
        if (await this.hub.writePaced(connection, frame, run)) run.advance(id);
        else if (!connection.open) return;
      }
    }
    for (const { topic, run } of sources) if (run.idle) connection.endReplay(topic, run);
  }
}

/** The source whose next notification has the lowest id. */
function earliest(sources: ReplaySource[]): ReplaySource | undefined {
  let found: ReplaySource | undefined;
  for (const source of sources) {
    if (source.head && (!found || seqOf(source.head.id) < seqOf(found.head!.id))) found = source;
  }
  return found;
}
