import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { NotificationsModuleOptions } from '../notifications/index.js';
import { EnvironmentVariables } from './environment.variables.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** A bad environment variable; the message is the one line the service prints before exiting. */
export class ConfigurationError extends Error {}

/** The standalone service's settings: the module's options plus what only the process needs. */
export interface ServiceConfiguration {
  port: number;
  logLevel: string;
  /** A REST request not finished within this gets 408 (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  notifications: NotificationsModuleOptions;
}

/** Reads and validates the environment; throws ConfigurationError naming the first bad variable. */
export function loadConfiguration(env: NodeJS.ProcessEnv): ServiceConfiguration {
  // An empty variable means "use the default", as in most .env tooling.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const vars = plainToInstance(EnvironmentVariables, set);
  const [error] = validateSync(vars, { forbidUnknownValues: false });
  if (error) {
    // A value that is not a number fails its range too: name what is wrong with it first.
    const message = error.constraints?.isInt ?? Object.values(error.constraints ?? {})[0] ?? 'is invalid';
    throw new ConfigurationError(`Invalid configuration: ${error.property}=${JSON.stringify(env[error.property])}: ${message}`);
  }
  return {
    port: vars.PORT ?? 3000,
    logLevel: vars.LOG_LEVEL ?? 'info',
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS,
    notifications: {
      wsPath: vars.WS_PATH,
      allowedOrigins: vars.ALLOWED_ORIGINS ? vars.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) : undefined,
      jwtSecret: vars.JWT_SECRET,
      jwtPublicKey: vars.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
      jwtIssuer: vars.JWT_ISSUER,
      jwtAudience: vars.JWT_AUDIENCE,
      apiKey: vars.API_KEY,
      maxPayloadBytes: vars.MAX_PAYLOAD_BYTES,
      maxBadFrames: vars.MAX_BAD_FRAMES,
      heartbeatMs: vars.HEARTBEAT_MS,
      maxBufferedBytes: vars.MAX_BUFFERED_BYTES,
      store: vars.STORE,
      sqlitePath: vars.SQLITE_PATH,
      databaseUrl: vars.DATABASE_URL,
      broker: vars.BROKER,
      redisUrl: vars.REDIS_URL,
      redisChannel: vars.REDIS_CHANNEL,
      historyLimit: vars.HISTORY_LIMIT,
      historyTtlS: vars.HISTORY_TTL_S,
      production: vars.NODE_ENV === 'production',
      maxConnections: vars.MAX_CONNECTIONS,
      maxConnectionsPerUser: vars.MAX_CONNECTIONS_PER_USER,
      maxSubscriptions: vars.MAX_SUBSCRIPTIONS,
      commandRate: vars.COMMAND_RATE,
      maxReplay: vars.MAX_REPLAY,
      maxPublishBytes: vars.MAX_PUBLISH_BYTES,
      maxPendingWrites: vars.MAX_PENDING_WRITES,
      jwtMaxTtlS: vars.JWT_MAX_TTL_S,
      jwtClockToleranceS: vars.JWT_CLOCK_TOLERANCE_S,
      storeTimeoutMs: vars.STORE_TIMEOUT_MS,
      brokerTimeoutMs: vars.BROKER_TIMEOUT_MS,
      presenceGraceS: vars.PRESENCE_GRACE_S,
      webhookUrl: vars.WEBHOOK_URL,
      webhookSecret: vars.WEBHOOK_SECRET,
      webhookRetryS: vars.WEBHOOK_RETRY_S,
      webhookTimeoutMs: vars.WEBHOOK_TIMEOUT_MS,
      escalateAfterS: vars.ESCALATE_AFTER_S,
    },
  };
}
