import { Inject, Injectable, Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { InboxCounts, Notification } from '../notification.model.js';
import { topicOwner } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { seqOf } from '../store/notification-id.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { ServerEvent, ServerFrames } from '../protocol/frames.js';
import { Frame } from './frame.js';
import { waitForDrain } from './socket-drain.js';
import type { Connection } from './connection.js';
import { WebSocketConnection } from './websocket.connection.js';

/** Hears a user's first connection on this instance open (true) and their last one close (false). */
export type UserConnectionsListener = (userId: string, connected: boolean) => void;

/** A user's counts as `unread {count}` (for clients before contract 1.2) and `counts`, in one buffer. */
const countsFrames = ({ unread, unseen }: InboxCounts): Frame =>
  Frame.of('unread', { count: unread }).followedBy(Frame.of('counts', { unread, unseen }));

/** The subscribers of one topic on this instance, and the last id delivered to them. */
interface TopicAudience {
  subscribers: Set<Connection>;
  lastSeq: number;
  lastId: string | null;
}

/**
 * Which connection is in which topic on this instance, and writing to them: each notification is
 * one Frame, serialized once and encoded once per transport (WebSocket, SSE) by the first
 * connection of that transport to ask, then the same bytes go to every connection of it.
 */
@Injectable()
export class Hub {
  private readonly logger = new Logger(Hub.name);
  private readonly audiences = new Map<string, TopicAudience>();
  private readonly users = new Map<string, Set<Connection>>();
  readonly connections = new Set<Connection>();
  private readonly bySocket = new WeakMap<WebSocket, WebSocketConnection>();
  /** The one wait per socket for its buffer to drain, shared by the replays writing to it. */
  private readonly draining = new Map<Connection, Promise<boolean>>();
  private readonly userListeners: UserConnectionsListener[] = [];

  constructor(@Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions) {}

  add(connection: Connection): void {
    this.connections.add(connection);
    this.options.observer?.connectionsChanged(1, connection.transport);
    if (connection instanceof WebSocketConnection) this.bySocket.set(connection.socket, connection);
    const userId = connection.userId;
    if (userId === null) return;
    const connections = this.userConnections(userId);
    connections.add(connection);
    if (connections.size === 1) for (const listener of this.userListeners) listener(userId, true);
  }

  remove(connection: Connection): void {
    if (this.connections.delete(connection)) this.options.observer?.connectionsChanged(-1, connection.transport);
    for (const topic of connection.topics) this.leave(connection, topic);
    const userId = connection.userId;
    const connections = userId === null ? undefined : this.users.get(userId);
    connections?.delete(connection);
    if (connections?.size !== 0) return;
    this.users.delete(userId!);
    for (const listener of this.userListeners) listener(userId!, false);
  }

  /** Presence counting hooks in here: whatever the Hub holds (WebSocket or SSE) counts. */
  onUserConnections(listener: UserConnectionsListener): void {
    this.userListeners.push(listener);
  }

  /** The users with a connection on this instance. */
  connectedUserIds(): string[] {
    return [...this.users.keys()];
  }

  /** Open connections of `userId` on this instance (MAX_CONNECTIONS_PER_USER). */
  userConnectionCount(userId: string): number {
    return this.users.get(userId)?.size ?? 0;
  }

  connectionOf(socket: WebSocket): WebSocketConnection | undefined {
    return this.bySocket.get(socket);
  }

  join(connection: Connection, topic: string): void {
    let audience = this.audiences.get(topic);
    if (!audience) {
      audience = { subscribers: new Set(), lastSeq: 0, lastId: null };
      this.audiences.set(topic, audience);
    }
    if (!connection.topics.has(topic)) this.options.observer?.subscriptionsChanged(1);
    audience.subscribers.add(connection);
    connection.topics.add(topic);
  }

  leave(connection: Connection, topic: string): void {
    if (connection.topics.delete(topic)) this.options.observer?.subscriptionsChanged(-1);
    connection.release(topic);
    const audience = this.audiences.get(topic);
    if (!audience) return;
    audience.subscribers.delete(connection);
    if (audience.subscribers.size === 0) this.audiences.delete(topic);
  }

  /** The topics with subscribers on this instance. */
  topics(): string[] {
    return [...this.audiences.keys()];
  }

  /** The last id delivered in `topic`: null when none yet, undefined when nobody here subscribes to it. */
  lastDeliveredId(topic: string): string | null | undefined {
    return this.audiences.get(topic)?.lastId;
  }

  /**
   * True when `previousId`, the notification before one in `topic`, is newer than the last one
   * delivered there: it never arrived. Nothing delivered yet means the subscribers joined after it.
   */
  missed(topic: string, previousId: string): boolean {
    const audience = this.audiences.get(topic);
    return audience !== undefined && audience.lastSeq > 0 && seqOf(previousId) > audience.lastSeq;
  }

  /**
   * Delivers a notification to its topic's subscribers, once: ids at or below the last one
   * delivered in the topic are dropped, so a redelivery after a broker blink is harmless. With
   * nobody here in the topic, a personal notification's counts still reach its owner.
   */
  deliver(notification: Notification, counts?: InboxCounts): number {
    const audience = this.audiences.get(notification.topic);
    if (audience) return this.fanOut(audience, notification, counts);
    const owner = counts === undefined ? null : topicOwner(notification.topic);
    if (owner !== null) this.sendCounts(owner, counts!);
    return 0;
  }

  /** Writes a notification to its audience unless an id as new was delivered there already. */
  private fanOut(audience: TopicAudience, notification: Notification, counts?: InboxCounts): number {
    const owner = counts === undefined ? null : topicOwner(notification.topic);
    const seq = seqOf(notification.id);
    if (seq <= audience.lastSeq) return 0;
    audience.lastSeq = seq;
    audience.lastId = notification.id;
    const frame = Frame.of('notification', notification);
    // A personal notification and the counts it changes leave in one write (one TCP segment).
    const countFrames = owner === null ? null : countsFrames(counts!);
    const both = countFrames === null ? frame : frame.followedBy(countFrames);
    let delivered = 0;
    for (const connection of audience.subscribers) {
      const replay = connection.replayOf(notification.topic);
      if (replay) {
        // Past MAX_REPLAY held, the client is better served by a fresh `since` than by a longer wait.
        if (!replay.hold(notification.id, frame)) this.closeTooFarBehind(connection, notification.topic);
        if (countFrames !== null) this.write(connection, connection.encoded(countFrames));
      } else if (connection.replayed(notification.topic, seq)) {
        // Its replay read it from the store before the broker brought it here: only the counts are news.
        if (countFrames !== null) this.write(connection, connection.encoded(countFrames));
      } else if (this.write(connection, connection.encoded(both))) {
        delivered++;
      }
    }
    // Connections of the owner that left their personal topic still hear the counts.
    for (const connection of owner === null ? [] : (this.users.get(owner) ?? [])) {
      if (!audience.subscribers.has(connection)) this.write(connection, connection.encoded(countFrames!));
    }
    return delivered;
  }

  /** Pushes a user's counts (`unread` and `counts`) to every connection of the user on this instance. */
  sendCounts(userId: string, counts: InboxCounts, skipConnectionId?: string): void {
    const connections = this.users.get(userId);
    if (!connections) return;
    const frame = countsFrames(counts);
    for (const connection of connections) {
      if (connection.connectionId !== skipConnectionId) this.write(connection, connection.encoded(frame));
    }
  }

  /** Sends one frame to one connection (replies, replays). */
  send<E extends ServerEvent>(connection: Connection, event: E, data: ServerFrames[E]): boolean {
    return this.write(connection, connection.encoded(Frame.of(event, data)));
  }

  /**
   * Writes a replay frame at the pace the client reads: while the socket's buffer is over its
   * high-water mark (a write returned false), waits for it to drain first, so a replay of any size
   * keeps at most that and one frame in memory and never meets MAX_BUFFERED_BYTES by itself. False
   * when the frame was not written: the run stopped, the socket closed, or it stalled (see drained).
   */
  async writePaced(connection: Connection, frame: Frame, run: { readonly stopped: boolean }): Promise<boolean> {
    const raw = connection.output;
    while (raw.writableNeedDrain && !run.stopped && connection.open) {
      if (!(await this.drained(connection))) return false;
    }
    if (run.stopped || !connection.open) return false;
    raw.write(connection.encoded(frame));
    return true;
  }

  /** Closes every connection with `code` (1001 on shutdown; streams end). */
  closeAll(code: number, reason: string): void {
    for (const connection of this.connections) connection.close(code, reason);
  }

  /** Writes a prebuilt frame; a socket whose unsent bytes pass MAX_BUFFERED_BYTES is closed with 4008. */
  private write(connection: Connection, frame: Buffer): boolean {
    if (!connection.open) return false;
    const raw = connection.output;
    if (raw.writableLength + frame.length > this.options.maxBufferedBytes) {
      this.close(connection, CloseCode.TOO_SLOW, 'too slow to read');
      return false;
    }
    raw.write(frame);
    return true;
  }

  /**
   * Waits for a socket's buffer to drain: true once it did. A socket that takes nothing for a whole
   * heartbeat interval is not reading (a reader drains a buffer within moments, and a peer silent
   * that long would soon miss its pongs too): closed with 4008, so it recovers with `since`.
   */
  private drained(connection: Connection): Promise<boolean> {
    let wait = this.draining.get(connection);
    if (!wait) {
      wait = waitForDrain(connection.output, this.options.heartbeatMs).then((outcome) => {
        this.draining.delete(connection);
        if (outcome === 'stalled' && connection.open) {
          this.close(connection, CloseCode.TOO_SLOW, 'not reading its replay');
        }
        return outcome === 'drained';
      });
      this.draining.set(connection, wait);
    }
    return wait;
  }

  /** Stops a replay whose held live notifications passed MAX_REPLAY, and closes its socket with 4008. */
  private closeTooFarBehind(connection: Connection, topic: string): void {
    connection.release(topic);
    if (connection.open) this.close(connection, CloseCode.TOO_SLOW, 'too far behind during a replay');
  }

  /** Closes a socket for a reason of the server's (4008, 1008, 4001). */
  close(connection: Connection, code: number, reason: string): void {
    connection.close(code, reason);
    this.options.observer?.connectionClosed(code);
    this.logger.log({ connectionId: connection.connectionId, code }, `closing: ${reason}`);
  }

  private userConnections(userId: string): Set<Connection> {
    let connections = this.users.get(userId);
    if (!connections) {
      connections = new Set();
      this.users.set(userId, connections);
    }
    return connections;
  }
}
