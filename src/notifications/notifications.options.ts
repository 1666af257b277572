import type { IncomingMessage } from 'node:http';
import type { NotificationsObserver } from './notifications.observer.js';

/** The user a connection acts for; `topics` lists private topics or `prefix*` it may subscribe to. */
export interface ConnectionUser {
  id: string;
  topics?: string[];
  /** Seconds since the epoch when the identity expires (JWT `exp`); absent for none. */
  expiresAt?: number;
}

/** Settings shared by the environment (section 7 of the contract) and module options. */
export interface NotificationsSettings {
  wsPath: string;
  /** Allowed browser origins; null allows every origin. */
  allowedOrigins: string[] | null;
  jwtSecret?: string;
  jwtPublicKey?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  apiKey?: string;
  maxPayloadBytes: number;
  maxBadFrames: number;
  heartbeatMs: number;
  maxBufferedBytes: number;
  store: 'sqlite' | 'memory' | 'postgres';
  sqlitePath: string;
  databaseUrl?: string;
  broker: 'local' | 'redis';
  redisUrl?: string;
  /** The pub/sub channel the instances of one deployment share (REDIS_CHANNEL). */
  redisChannel: string;
  historyLimit: number;
  historyTtlS: number;
  /** Refuses insecure defaults; default: NODE_ENV is `production`. */
  production: boolean;
  /** Open connections on this instance (MAX_CONNECTIONS); past it, handshakes get 503. */
  maxConnections: number;
  /** Open connections of one user on this instance (MAX_CONNECTIONS_PER_USER); past it, handshakes get 429. */
  maxConnectionsPerUser: number;
  /** Topics one connection may subscribe to, its personal topic and `broadcast` not counted (MAX_SUBSCRIPTIONS). */
  maxSubscriptions: number;
  /** Commands per second per connection, with a burst of twice that (COMMAND_RATE). */
  commandRate: number;
  /** Notifications one `subscribe {since}` replays at most, the newest ones (MAX_REPLAY). */
  maxReplay: number;
  /** Stored bytes of one publish, payload times targets (MAX_PUBLISH_BYTES). */
  maxPublishBytes: number;
  /** Store writes waiting to commit (MAX_PENDING_WRITES); past it, publishes get 503. */
  maxPendingWrites: number;
  /** Longest token lifetime accepted, and tokens without `exp` refused (JWT_MAX_TTL_S); default 86,400 in production. */
  jwtMaxTtlS?: number;
  /** Clock skew allowed when checking `exp` and `nbf` (JWT_CLOCK_TOLERANCE_S). */
  jwtClockToleranceS: number;
  /** Deadline of one store statement, lock wait or connection attempt (STORE_TIMEOUT_MS). */
  storeTimeoutMs: number;
  /** Deadline of one broker publish or connection attempt (BROKER_TIMEOUT_MS). */
  brokerTimeoutMs: number;
  /** Seconds without a connection before a user goes offline in `presence$` and `user.offline` (PRESENCE_GRACE_S). */
  presenceGraceS: number;
  /** Where webhook events are POSTed (WEBHOOK_URL); unset sends none. */
  webhookUrl?: string;
  /** Standard Webhooks signing secret, `whsec_<base64>` (WEBHOOK_SECRET); required with webhookUrl. */
  webhookSecret?: string;
  /** How long an undelivered webhook event is retried, in seconds (WEBHOOK_RETRY_S). */
  webhookRetryS: number;
  /** Deadline of one webhook request (WEBHOOK_TIMEOUT_MS). */
  webhookTimeoutMs: number;
  /** A personal notification unread this many seconds after creation sends `notification.unread` (ESCALATE_AFTER_S); unset: never. */
  escalateAfterS?: number;
}

/** Hooks a host app may supply instead of, or on top of, JWT identity. */
export interface NotificationsHooks {
  /**
   * Resolves the user of a WebSocket handshake instead of JWT verification. Return null for
   * an anonymous connection; throw to refuse it with 401.
   */
  authenticate?: (request: IncomingMessage) => Promise<ConnectionUser | null> | ConnectionUser | null;
  /** Decides whether a user may subscribe to a `private:` topic (after the token's `topics` claim). */
  authorize?: (user: ConnectionUser | null, topic: string) => Promise<boolean> | boolean;
  /** Hears what the module does (connections, frames, publishes, failures), e.g. to keep metrics. */
  observer?: NotificationsObserver;
}

export type NotificationsModuleOptions = Partial<NotificationsSettings> & NotificationsHooks;

/** Options with every default applied: what the module's providers read. */
export type ResolvedNotificationsOptions = NotificationsSettings & NotificationsHooks;

export const DEFAULT_SETTINGS: NotificationsSettings = {
  wsPath: '/ws',
  allowedOrigins: null,
  maxPayloadBytes: 64 * 1024,
  maxBadFrames: 20,
  heartbeatMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  store: 'sqlite',
  sqlitePath: './data/notifications.db',
  broker: 'local',
  redisChannel: 'notifications:events',
  historyLimit: 1000,
  historyTtlS: 7 * 24 * 3600,
  production: false,
  maxConnections: 50_000,
  maxConnectionsPerUser: 20,
  maxSubscriptions: 200,
  commandRate: 20,
  maxReplay: 1000,
  maxPublishBytes: 4 * 1024 * 1024,
  maxPendingWrites: 10_000,
  jwtClockToleranceS: 5,
  storeTimeoutMs: 5000,
  brokerTimeoutMs: 2000,
  presenceGraceS: 10,
  webhookRetryS: 86_400,
  webhookTimeoutMs: 10_000,
};

/** JWT_MAX_TTL_S when production does not set its own. */
export const PRODUCTION_JWT_MAX_TTL_S = 86_400;

/**
 * Applies the defaults. A host app that says nothing about `production` gets what NODE_ENV
 * says, so forgetting its keys in production fails closed, as the standalone service does.
 */
export const resolveOptions = (options: NotificationsModuleOptions, env: NodeJS.ProcessEnv = process.env): ResolvedNotificationsOptions => {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const production = options.production ?? env.NODE_ENV === 'production';
  const jwtMaxTtlS = options.jwtMaxTtlS ?? (production ? PRODUCTION_JWT_MAX_TTL_S : undefined);
  return { ...DEFAULT_SETTINGS, ...defined, production, jwtMaxTtlS };
};

/** True when connections are identified by the unverified `?user=` parameter. */
export const isInsecureDevMode = (options: ResolvedNotificationsOptions): boolean =>
  !options.jwtSecret && !options.jwtPublicKey && !options.authenticate;
