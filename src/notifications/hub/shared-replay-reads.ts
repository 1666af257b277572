import { Inject, Injectable } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import { topicOwner } from '../notification.model.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { NOTIFICATION_STORE, type NotificationStore } from '../store/notification-store.js';
import { Frame } from './frame.js';
import type { HeldFrame } from './replay-run.js';
import { measureReplay, type ReplayWindow } from './replay-window.js';

/** A replay window, and when the read that measured it returned all of it, its notifications' frames, oldest first. */
export interface SharedWindow {
  window: ReplayWindow;
  frames?: HeldFrame[];
}

/** A read of one topic after one id, under way or done, and the bytes it keeps. */
interface SharedRead {
  since: string;
  read: Promise<SharedWindow>;
  bytes: number;
}

/** Frame bytes kept for sharing, all topics together; past it the oldest reads go. */
const MAX_SHARED_BYTES = 4 * 1024 * 1024;
/** What one kept read counts for beside its frames, so that empty windows are bounded too. */
const READ_OVERHEAD_BYTES = 256;

/**
 * The replay windows of recent `subscribe {since}`s, shared by later ones of the same topic with
 * the same `since` (after a restart, every client of a topic comes back with the same last id):
 * one store read and one encoding for all of them instead of one each. A read is shared only until
 * a notification of its topic arrives here (forget): until then it holds what a new read would, and
 * whatever comes after it arrives live to subscribers that joined before, as after a read of their own.
 */
@Injectable()
export class SharedReplayReads {
  private readonly reads = new Map<string, SharedRead>();
  private bytes = 0;

  constructor(
    @Inject(NOTIFICATION_STORE) private readonly store: NotificationStore,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  /** The window of `topic` after `since`; call once the subscriber is in the topic. */
  measure(topic: string, since: string): Promise<SharedWindow> {
    // An inbox changes without a notification arriving (read, archived, deleted): never shared.
    if (topicOwner(topic) !== null) return this.read(topic, since);
    const shared = this.reads.get(topic);
    if (shared?.since === since) return shared.read;
    this.forget(topic);
    const read = this.read(topic, since);
    const fresh: SharedRead = { since, read, bytes: 0 };
    this.reads.set(topic, fresh);
    read.then(
      ({ frames }) => this.keep(topic, fresh, frames),
      () => this.reads.get(topic) === fresh && this.forget(topic),
    );
    return read;
  }

  private read(topic: string, since: string): Promise<SharedWindow> {
    return measureReplay(this.store, topic, since, this.options.maxReplay).then((window) => ({
      window,
      frames: window.items?.map((notification) => ({ id: notification.id, frame: Frame.of('notification', notification) })),
    }));
  }

  /** A notification of `topic` arrived here: reads begun before it may lack it. */
  forget(topic: string): void {
    const shared = this.reads.get(topic);
    if (!shared) return;
    this.bytes -= shared.bytes;
    this.reads.delete(topic);
  }

  private keep(topic: string, shared: SharedRead, frames: HeldFrame[] | undefined): void {
    if (this.reads.get(topic) !== shared) return;
    // A window longer than a page is read page by page by each replay: nothing to share.
    if (!frames) return this.forget(topic);
    shared.bytes = frames.reduce((sum, { frame }) => sum + frame.webSocket().length, READ_OVERHEAD_BYTES);
    this.bytes += shared.bytes;
    for (const [oldest] of this.reads) {
      if (this.bytes <= MAX_SHARED_BYTES) break;
      this.forget(oldest);
    }
  }
}
