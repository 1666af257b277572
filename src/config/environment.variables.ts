import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';
import { WEBHOOK_SECRET_FORMAT } from '../notifications/webhooks/webhook.signer.js';

/** Every environment variable the service reads, with its rule; defaults live in `.env.example`. */
export class EnvironmentVariables {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @Matches(/^\/[A-Za-z0-9_\-./]*$/, { message: 'WS_PATH must be a URL path starting with /' })
  WS_PATH?: string;

  @IsOptional() @IsString()
  ALLOWED_ORIGINS?: string;

  @IsOptional() @IsString() @Matches(/^.{16,}$/s, { message: 'JWT_SECRET must be at least 16 characters' })
  JWT_SECRET?: string;

  @IsOptional() @Matches(/-----BEGIN PUBLIC KEY-----|^\s*\{/, { message: 'JWT_PUBLIC_KEY must be a PEM public key or a JWKS document' })
  JWT_PUBLIC_KEY?: string;

  @IsOptional() @IsString()
  JWT_ISSUER?: string;

  @IsOptional() @IsString()
  JWT_AUDIENCE?: string;

  @IsOptional() @IsString() @Matches(/^\S{16,}$/, { message: 'API_KEY must be at least 16 characters, no spaces' })
  API_KEY?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(16 * 1024 * 1024)
  MAX_PAYLOAD_BYTES?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  MAX_BAD_FRAMES?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(3_600_000)
  HEARTBEAT_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1024)
  MAX_BUFFERED_BYTES?: number;

  @IsOptional() @IsIn(['sqlite', 'memory', 'postgres'])
  STORE?: 'sqlite' | 'memory' | 'postgres';

  @IsOptional() @IsString()
  SQLITE_PATH?: string;

  @ValidateIf((env: EnvironmentVariables) => env.STORE === 'postgres' || env.DATABASE_URL !== undefined)
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_host: false }, { message: 'DATABASE_URL must be a postgres:// URL (required when STORE=postgres)' })
  DATABASE_URL?: string;

  @IsOptional() @IsIn(['local', 'redis'])
  BROKER?: 'local' | 'redis';

  @ValidateIf((env: EnvironmentVariables) => env.BROKER === 'redis' || env.REDIS_URL !== undefined)
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false }, { message: 'REDIS_URL must be a redis:// URL (required when BROKER=redis)' })
  REDIS_URL?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'REDIS_CHANNEL must be 1 to 128 of A-Z a-z 0-9 _ . : -' })
  REDIS_CHANNEL?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  HISTORY_LIMIT?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  HISTORY_TTL_S?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  MAX_CONNECTIONS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  MAX_CONNECTIONS_PER_USER?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  MAX_SUBSCRIPTIONS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  COMMAND_RATE?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  MAX_REPLAY?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(64 * 1024)
  MAX_PUBLISH_BYTES?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  MAX_PENDING_WRITES?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1000)
  REQUEST_TIMEOUT_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(60)
  JWT_MAX_TTL_S?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(300)
  JWT_CLOCK_TOLERANCE_S?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(100)
  STORE_TIMEOUT_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(100)
  BROKER_TIMEOUT_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(86_400)
  PRESENCE_GRACE_S?: number;

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'WEBHOOK_URL must be an http:// or https:// URL' })
  WEBHOOK_URL?: string;

  @ValidateIf((env: EnvironmentVariables) => env.WEBHOOK_URL !== undefined || env.WEBHOOK_SECRET !== undefined)
  @Matches(WEBHOOK_SECRET_FORMAT, { message: 'WEBHOOK_SECRET must be whsec_ followed by base64 of at least 24 random bytes (required when WEBHOOK_URL is set)' })
  WEBHOOK_SECRET?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  WEBHOOK_RETRY_S?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(600_000)
  WEBHOOK_TIMEOUT_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  ESCALATE_AFTER_S?: number;

  @IsOptional() @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional() @IsString()
  NODE_ENV?: string;
}
