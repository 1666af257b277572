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
  /** Refuses insecure defaults (NODE_ENV=production). */
  production: boolean;
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
};

export const resolveOptions = (options: NotificationsModuleOptions): ResolvedNotificationsOptions => {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_SETTINGS, ...defined };
};

/** True when connections are identified by the unverified `?user=` parameter. */
export const isInsecureDevMode = (options: ResolvedNotificationsOptions): boolean =>
  !options.jwtSecret && !options.jwtPublicKey && !options.authenticate;
