import { ClientEvents, type ConnectionState } from './client-events.js';
import { CommandRejectedError } from './command-rejected.error.js';
import { PendingReplies } from './pending-replies.js';
import type { EventSourceConstructor } from './event-source-like.js';
import { FetchEventSource } from './fetch-event-source.js';
import type {
  ClientCommand,
  ClientCommandMap,
  CountsData,
  ExceptionData,
  InboxPage,
  InboxQuery,
  MarkFlags,
  Notification,
  ServerFrame,
  SubscribedData,
  UnsubscribedData,
  WelcomeData,
} from './protocol-frames.js';
import { ReconnectBackoff, type ReconnectBackoffOptions } from './reconnect-backoff.js';
import type { CloseCode as ProtocolCloseCode } from '../../src/notifications/protocol/close-codes.js';
import { CommandPacer } from './command-pacer.js';
import { SseTransport } from './sse.transport.js';
import { refreshDelayMs, tokenExpiresAt } from './token-expiry.js';
import { TopicSubscriptions } from './topic-subscriptions.js';
import type { Transport, TransportEvents, TransportKind } from './transport.js';
import type { WebSocketConstructor } from './websocket-like.js';
import { WebSocketTransport } from './websocket.transport.js';

export { SUBPROTOCOL } from './websocket.transport.js';

type Protocol = typeof ProtocolCloseCode;

/** Close codes the client reacts to: the protocol's (the compiler checks them against it) and RFC 6455's own. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001 satisfies Protocol['GOING_AWAY'],
  abnormal: 1006,
  policy: 1008 satisfies Protocol['POLICY'],
  tokenRejected: 4001 satisfies Protocol['TOKEN_EXPIRED'],
  tooSlow: 4008 satisfies Protocol['TOO_SLOW'],
} as const;

/** Settings of {@link NotificationsClient}. */
export interface NotificationsClientOptions {
  /** The WebSocket endpoint, e.g. `ws://localhost:3000/ws`. */
  url: string;
  /**
   * A JWT, or a function that fetches a fresh one. With a function the client refreshes the
   * token before it expires and asks again after a 4001 close.
   */
  token?: string | (() => Promise<string>);
  /** Insecure dev mode only: the user id to connect as, unverified. Ignored when `token` is set. */
  user?: string;
  /** A WebSocket class; defaults to `globalThis.WebSocket` (Node 20 has none: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /**
   * `auto` (default): WebSocket, and Server-Sent Events after `fallbackAfter` WebSocket attempts in a row
   * failed before `welcome` (and back after as many stream failures). `websocket` or `sse` use only that one.
   */
  transport?: 'auto' | TransportKind;
  /** Failed attempts in a row, before `welcome`, after which `auto` tries the other transport. Default 2. */
  fallbackAfter?: number;
  /** The stream endpoint; default `/sse` on the origin of `url` (ws: becomes http:, wss: https:). */
  sseUrl?: string;
  /** The commands endpoint of streams; default `/commands` on the same origin. */
  commandsUrl?: string;
  /**
   * An EventSource class for the stream; defaults to `globalThis.EventSource`, else the client's own
   * `FetchEventSource` (a `fetch` stream reader, for Node 20).
   */
  EventSource?: EventSourceConstructor;
  /** Topics to subscribe to as soon as the connection is open. */
  topics?: string[];
  /** Reconnect delays: exponential backoff with full jitter. */
  reconnect?: ReconnectBackoffOptions;
  /** How long before a token's `exp` it is refreshed with `auth` (at most half its remaining life). Default 30 s. */
  refreshBeforeMs?: number;
  /** Recent ids remembered per topic to drop duplicates. Default 1000. */
  dedupeWindow?: number;
  /** The server's COMMAND_RATE: commands a second the client sends at most. Default 20, the server's default. */
  commandRate?: number;
}

/** WebSocket attempts that fail before `welcome`, in a row, before `auto` tries a stream instead (and back). */
const DEFAULT_FALLBACK_AFTER = 2;
/** The server's default COMMAND_RATE. */
const DEFAULT_COMMAND_RATE = 20;
/** A token closer than this to its `exp` is not worth connecting with. */
const STALE_TOKEN_MS = 1000;
/** Retry delay floor after a token getter failed during a refresh. */
const REFRESH_RETRY_MS = 1000;

const PERSONAL_PREFIX = 'user:';
const BROADCAST = 'broadcast';

/**
 * A client of the notifications service: one connection (a WebSocket, or a Server-Sent Events
 * stream where WebSockets cannot open), kept open across network failures, server restarts and
 * token expiry, recovering every topic with `since` so that nothing is missed or delivered twice.
 */
export class NotificationsClient extends ClientEvents {
  private readonly url: string;
  private readonly user?: string;
  private readonly tokenGetter?: () => Promise<string>;
  private readonly WebSocketImpl?: WebSocketConstructor;
  private readonly EventSourceImpl: EventSourceConstructor;
  private readonly transportMode: 'auto' | TransportKind;
  private readonly fallbackAfter: number;
  private readonly sseUrl: string;
  private readonly commandsUrl: string;
  private readonly refreshBeforeMs: number;
  private readonly backoff: ReconnectBackoff;
  private readonly subscriptions: TopicSubscriptions;
  private readonly subscribeReplies = new PendingReplies<SubscribedData>();
  private readonly unsubscribeReplies = new PendingReplies<UnsubscribedData>();
  private readonly readReplies = new PendingReplies<number>();
  private readonly markReplies = new PendingReplies<CountsData>();
  private readonly inboxReplies = new PendingReplies<InboxPage>();
  /** Topics with a `subscribe` sent and its reply not in yet. */
  private readonly subscribesInFlight = new Set<string>();
  private readonly pacer: CommandPacer<ClientCommand>;

  private token?: string;
  private transport: Transport | null = null;
  /** What the next connection uses. */
  private nextKind: TransportKind;
  /** Connections in a row that ended before `welcome`. */
  private failedAttempts = 0;
  private welcomed = false;
  /** Bumped whenever a connection is opened or the client is closed, so that late callbacks know they are stale. */
  private generation = 0;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private currentState: ConnectionState = 'idle';
  private lastWelcome: WelcomeData | null = null;
  private unread = 0;
  private lastCounts: CountsData | null = null;

  constructor(options: NotificationsClientOptions) {
    super();
    this.transportMode = options.transport ?? 'auto';
    this.nextKind = this.transportMode === 'sse' ? 'sse' : 'websocket';
    this.WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!this.WebSocketImpl && this.transportMode !== 'sse') {
      throw new TypeError('no global WebSocket: pass a WebSocket class in options (e.g. from "ws"), or use transport "sse"');
    }
    this.EventSourceImpl = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource ?? FetchEventSource;
    this.fallbackAfter = options.fallbackAfter ?? DEFAULT_FALLBACK_AFTER;
    const origin = new URL(options.url);
    origin.protocol = origin.protocol === 'wss:' ? 'https:' : 'http:';
    this.sseUrl = options.sseUrl ?? new URL('/sse', origin).toString();
    this.commandsUrl = options.commandsUrl ?? new URL('/commands', origin).toString();
    this.url = options.url;
    this.user = options.user;
    if (typeof options.token === 'function') this.tokenGetter = options.token;
    else this.token = options.token;
    this.refreshBeforeMs = options.refreshBeforeMs ?? 30_000;
    this.backoff = new ReconnectBackoff(options.reconnect);
    this.subscriptions = new TopicSubscriptions(options.dedupeWindow);
    this.pacer = new CommandPacer<ClientCommand>(options.commandRate ?? DEFAULT_COMMAND_RATE, (command) => this.transport?.send(command));
    for (const topic of options.topics ?? []) this.subscriptions.add(topic, true);
  }

  /** Where the client is in its life. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** The user's unread count, as last pushed by the server. */
  get unreadCount(): number {
    return this.unread;
  }

  /** The user's counts `{unread, unseen}`, as last pushed by the server; null until a server that sends `counts` did. */
  get counts(): CountsData | null {
    return this.lastCounts;
  }

  /** What carries the open connection; null when there is none. */
  get transportKind(): TransportKind | null {
    return this.isOpen() ? this.transport!.kind : null;
  }

  /** The `welcome` of the current (or last) connection. */
  get welcome(): WelcomeData | null {
    return this.lastWelcome;
  }

  /** Every topic the client is in, subscribed or joined automatically. */
  get topics(): string[] {
    return this.subscriptions.list();
  }

  /** The last notification id seen on a topic: where a reconnect resumes it. */
  cursor(topic: string): string | undefined {
    return this.subscriptions.cursor(topic);
  }

  /** Opens the connection; it is then kept open until `close()`. */
  connect(): void {
    if (this.currentState === 'connecting' || this.currentState === 'open') return;
    clearTimeout(this.reconnectTimer);
    void this.open();
  }

  /** Closes the connection for good (until `connect()` is called again). */
  close(): void {
    this.generation += 1;
    this.clearTimers();
    const transport = this.transport;
    this.dropConnection(new Error('client closed'));
    this.subscribeReplies.rejectAll(new Error('client closed'));
    this.unsubscribeReplies.rejectAll(new Error('client closed'));
    this.setState('closed');
    transport?.close(CloseCode.normal, 'client closed');
  }

  /**
   * Subscribes to a topic, now or as soon as the connection is open, and again after every
   * reconnect from the last id seen. Resolves with the server's `subscribed` reply.
   */
  subscribe(topic: string): Promise<SubscribedData> {
    this.subscriptions.add(topic, true);
    const reply = this.subscribeReplies.wait(topic);
    if (this.isOpen() && !this.subscribesInFlight.has(topic)) this.sendSubscribe(topic, this.subscriptions.cursor(topic));
    return reply;
  }

  /** Leaves a topic; its notifications are dropped from now on. */
  unsubscribe(topic: string): Promise<UnsubscribedData> {
    this.subscriptions.remove(topic);
    this.subscribesInFlight.delete(topic);
    this.subscribeReplies.reject(topic, new Error(`unsubscribed from ${topic}`));
    if (!this.isOpen()) return Promise.resolve({ topic });
    const reply = this.unsubscribeReplies.wait(topic);
    this.send('unsubscribe', { topic });
    return reply;
  }

  /** Marks notifications of the user's inbox read. Resolves with the unread count the server reports next. */
  read(target: string[] | 'all'): Promise<number> {
    if (!this.isOpen()) return Promise.reject(new Error('not connected'));
    const reply = this.readReplies.wait('read');
    this.send('read', target === 'all' ? { all: true } : { ids: target });
    return reply;
  }

  /**
   * Sets flags on notifications of the user's inbox (contract 1.2): `seen`, `read` (implies seen),
   * `archived`. Resolves with the counts the server reports next (its reply to the mark).
   */
  mark(target: string[] | 'all', flags: MarkFlags): Promise<CountsData> {
    if (!this.isOpen()) return Promise.reject(new Error('not connected'));
    const reply = this.markReplies.wait('mark');
    this.send('mark', { ...(target === 'all' ? { all: true as const } : { ids: target }), ...flags });
    return reply;
  }

  /** One page of the user's inbox, newest first (contract 1.2); pass the previous page's `nextCursor` as `before`. */
  inbox(query: InboxQuery = {}): Promise<InboxPage> {
    if (!this.isOpen()) return Promise.reject(new Error('not connected'));
    const reply = this.inboxReplies.wait('inbox');
    this.send('inbox', query);
    return reply;
  }

  /**
   * Replaces the token: sent with `auth` when connected, used by the next connection otherwise,
   * and the way out of the `unauthorized` state.
   */
  setToken(token: string): void {
    this.token = token;
    if (this.currentState === 'unauthorized') {
      clearTimeout(this.reconnectTimer);
      void this.open();
    } else if (this.isOpen()) {
      this.sendToken(token);
    }
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.setState('connecting');
    let token: string | undefined;
    try {
      token = await this.connectionToken();
    } catch (error) {
      if (generation !== this.generation) return;
      this.emit('error', asError(error, 'token getter failed'));
      this.scheduleReconnect(this.backoff.next());
      return;
    }
    if (generation !== this.generation) return;
    const kind = this.nextKind;
    try {
      this.transport = this.openTransport(kind, token);
    } catch (error) {
      this.emit('error', asError(error, `cannot open a ${kind} connection`));
      this.scheduleReconnect(this.backoff.next());
    }
  }

  private openTransport(kind: TransportKind, token: string | undefined): Transport {
    const identity = { token, user: this.user };
    let transport: Transport | null = null;
    // A transport replaced or closed since is stale: what it reports is ignored.
    const current = (): boolean => transport !== null && transport === this.transport;
    const events: TransportEvents = {
      frame: (frame) => {
        if (current()) this.onFrame(frame);
      },
      commandFailed: (command, error) => {
        if (current()) this.onCommandFailed(command, error);
      },
      closed: (code, reason) => {
        if (current()) this.onClose(code, reason);
      },
      error: (error) => {
        if (current()) this.emit('error', error);
      },
    };
    transport =
      kind === 'sse'
        ? new SseTransport(this.EventSourceImpl, { streamUrl: this.sseUrl, commandsUrl: this.commandsUrl }, identity, events)
        : new WebSocketTransport(this.WebSocketImpl!, this.url, identity, events);
    return transport;
  }

  /** The token to connect with: the getter is asked when there is none or it is about to expire. */
  private async connectionToken(): Promise<string | undefined> {
    if (this.tokenGetter && (this.token === undefined || expiresWithin(this.token, STALE_TOKEN_MS))) {
      this.token = await this.tokenGetter();
    }
    return this.token;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.event) {
      case 'welcome':
        return this.onWelcome(frame.data);
      case 'notification':
        return this.deliver(this.subscriptions.accept(frame.data));
      case 'unread':
        this.unread = frame.data.count;
        this.readReplies.resolve('read', frame.data.count);
        return this.emit('unread', frame.data);
      case 'counts':
        this.lastCounts = frame.data;
        this.unread = frame.data.unread;
        this.markReplies.resolveFirst('mark', frame.data);
        return this.emit('counts', frame.data);
      case 'inbox':
        return this.inboxReplies.resolveFirst('inbox', frame.data);
      case 'subscribed':
        this.subscribesInFlight.delete(frame.data.topic);
        this.emit('subscribed', frame.data);
        this.subscribeReplies.resolve(frame.data.topic, frame.data);
        return this.deliver(this.subscriptions.acceptSubscribed(frame.data.topic, frame.data.missed));
      case 'unsubscribed':
        this.emit('unsubscribed', frame.data);
        return this.unsubscribeReplies.resolve(frame.data.topic, frame.data);
      case 'authenticated':
        this.emit('authenticated', frame.data);
        return this.scheduleRefresh();
      case 'exception':
        return this.onException(frame.data);
      case 'pong':
        return;
      default:
        // The compiler checks every frame of the protocol is handled; a newer server's extra ones are ignored.
        return frame satisfies never;
    }
  }

  private onWelcome(welcome: WelcomeData): void {
    this.welcomed = true;
    this.failedAttempts = 0;
    this.lastWelcome = welcome;
    this.backoff.reset();
    const personal = welcome.userId === null ? null : PERSONAL_PREFIX + welcome.userId;
    for (const topic of this.subscriptions.list()) {
      // A personal topic joined under another identity is not this connection's.
      if (topic.startsWith(PERSONAL_PREFIX) && topic !== personal && !this.subscriptions.isExplicit(topic)) {
        this.subscriptions.remove(topic);
      }
    }
    this.subscriptions.add(BROADCAST, false);
    if (personal) this.subscriptions.add(personal, false);
    for (const { topic, since } of this.subscriptions.resubscriptions()) this.sendSubscribe(topic, since);
    this.scheduleRefresh();
    this.setState('open');
    this.emit('welcome', welcome);
  }

  private onException(exception: ExceptionData): void {
    const refused = exception.code === 'FORBIDDEN' || exception.code === 'VALIDATION_FAILED';
    this.rejectCommand(exception.cause?.pattern, exception.cause?.data, new CommandRejectedError(exception), refused);
    this.emit('exception', exception);
  }

  /** A command never reached the server or its answer never came back (a stream's `POST /commands` failed). */
  private onCommandFailed(command: ClientCommand, error: Error): void {
    this.rejectCommand(command.event, command.data, error, false);
    this.emit('error', error);
    // A topic left half-subscribed would miss notifications: start over, recovering every topic.
    if (command.event === 'subscribe' || command.event === 'unsubscribe') this.restart();
  }

  /** Fails the promise of the command that `pattern` and `data` name. */
  private rejectCommand(pattern: string | undefined, data: unknown, error: Error, refused: boolean): void {
    const topic = (data as { topic?: unknown } | undefined)?.topic;
    if (pattern === 'subscribe' && typeof topic === 'string') {
      this.subscribesInFlight.delete(topic);
      // A topic the server refuses is forgotten, so that reconnects do not ask for it again.
      const held = this.subscriptions.abortRecovery(topic);
      if (refused && this.subscriptions.isExplicit(topic)) this.subscriptions.remove(topic);
      this.subscribeReplies.reject(topic, error);
      this.deliver(held);
    } else if (pattern === 'unsubscribe' && typeof topic === 'string') {
      this.unsubscribeReplies.reject(topic, error);
    } else if (pattern === 'read') {
      this.readReplies.reject('read', error);
    } else if (pattern === 'mark') {
      this.markReplies.rejectFirst('mark', error);
    } else if (pattern === 'inbox') {
      this.inboxReplies.rejectFirst('inbox', error);
    }
  }

  private onClose(code: number, reason: string): void {
    const welcomed = this.welcomed;
    const kind = this.transport?.kind;
    this.dropConnection(new Error(`connection closed (${code})`));
    if (!welcomed) this.countFailedAttempt(kind);
    if (code === CloseCode.tokenRejected) {
      void this.awaitFreshToken(code, reason);
      return;
    }
    // Refused before `welcome` (e.g. HTTP 401, which browsers cannot tell apart): ask the getter again next time.
    if (!welcomed && this.tokenGetter) this.token = undefined;
    // A policy close means the server considers this client abusive: come back slowly.
    const delay = code === CloseCode.policy ? this.backoff.maxDelayMs : this.backoff.next();
    this.emit('disconnected', { code, reason, reconnectInMs: delay });
    this.scheduleReconnect(delay);
  }

  /** In `auto`, a transport that keeps failing before `welcome` (an upgrade a proxy blocks, no `/sse` on an older server) gives way to the other. */
  private countFailedAttempt(kind: TransportKind | undefined): void {
    this.failedAttempts += 1;
    if (this.transportMode !== 'auto' || this.failedAttempts < this.fallbackAfter) return;
    this.failedAttempts = 0;
    this.nextKind = kind === 'websocket' ? 'sse' : 'websocket';
  }

  /** Drops the connection and opens a new one now, recovering every topic (a stream takes a new token this way). */
  private restart(): void {
    const transport = this.transport;
    this.clearTimers();
    this.dropConnection(new Error('reconnecting'));
    transport?.close(CloseCode.normal, 'reconnecting');
    void this.open();
  }

  /** After 4001: reconnect only with a token other than the one just rejected. */
  private async awaitFreshToken(code: number, reason: string): Promise<void> {
    const rejected = this.token;
    this.setState('unauthorized');
    this.emit('disconnected', { code, reason, reconnectInMs: null });
    if (!this.tokenGetter) return;
    let fresh: string;
    try {
      fresh = await this.tokenGetter();
    } catch (error) {
      this.emit('error', asError(error, 'token getter failed'));
      return;
    }
    // setToken() or close() may have moved on while the getter ran.
    if (this.currentState !== 'unauthorized') return;
    if (fresh === rejected || expiresWithin(fresh, STALE_TOKEN_MS)) return;
    this.token = fresh;
    this.scheduleReconnect(this.backoff.next());
  }

  /** Forgets everything tied to the socket that just went away. */
  private dropConnection(error: Error): void {
    this.transport = null;
    this.pacer.reset();
    this.welcomed = false;
    clearTimeout(this.refreshTimer);
    this.subscriptions.dropRecoveries();
    this.subscribesInFlight.clear();
    this.readReplies.rejectAll(error);
    this.markReplies.rejectAll(error);
    this.inboxReplies.rejectAll(error);
    this.unsubscribeReplies.rejectAll(error);
  }

  private scheduleReconnect(delay: number): void {
    clearTimeout(this.reconnectTimer);
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  /** Plans the next `auth` ahead of the token's expiry; only a getter can supply the new token. */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const expiresAt = this.token === undefined ? null : tokenExpiresAt(this.token);
    if (!this.tokenGetter || expiresAt === null) return;
    this.refreshTimer = setTimeout(
      () => void this.refreshToken(expiresAt),
      refreshDelayMs(expiresAt, Date.now(), this.refreshBeforeMs),
    );
  }

  private async refreshToken(expiresAt: number): Promise<void> {
    const transport = this.transport;
    let fresh: string;
    try {
      fresh = await this.tokenGetter!();
    } catch (error) {
      if (transport !== this.transport) return;
      this.emit('error', asError(error, 'token getter failed'));
      const left = expiresAt - Date.now();
      if (left > 0) this.refreshTimer = setTimeout(() => void this.refreshToken(expiresAt), Math.max(REFRESH_RETRY_MS, left / 2));
      return;
    }
    // The same token again cannot help; the server's 4001 will ask the getter once more.
    if (transport !== this.transport || !this.isOpen() || fresh === this.token) return;
    this.token = fresh;
    this.sendToken(fresh);
  }

  /** A WebSocket takes a new token with `auth`; a stream's identity is its URL's, so it reconnects with the new one. */
  private sendToken(token: string): void {
    if (this.transport?.kind === 'sse') this.restart();
    else this.send('auth', { token });
  }

  private sendSubscribe(topic: string, since: string | undefined): void {
    this.subscriptions.beginRecovery(topic);
    this.subscribesInFlight.add(topic);
    this.send('subscribe', since === undefined ? { topic } : { topic, since });
  }

  private send<E extends keyof ClientCommandMap>(event: E, data: ClientCommandMap[E]): void {
    this.pacer.send({ event, data } as ClientCommand);
  }

  private deliver(notifications: Notification[]): void {
    for (const notification of notifications) this.emit('notification', notification);
  }

  private isOpen(): boolean {
    return this.welcomed && this.transport !== null && this.transport.isOpen;
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    const previous = this.currentState;
    this.currentState = state;
    this.emit('state', { state, previous });
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.refreshTimer);
  }
}

function expiresWithin(token: string, ms: number): boolean {
  const expiresAt = tokenExpiresAt(token);
  return expiresAt !== null && expiresAt - Date.now() <= ms;
}

function asError(error: unknown, fallback: string): Error {
  return error instanceof Error ? error : new Error(`${fallback}: ${String(error)}`);
}
