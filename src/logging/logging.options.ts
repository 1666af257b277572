import type { Params } from 'nestjs-pino';
import { pino, type Logger } from 'pino';

/** Probes and scrapes would drown the request log. */
const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** Fastify's `disableRequestLogging`: health probes and metric scrapes are not logged. */
export const isQuietRequest = (req: { url?: string }): boolean => QUIET_PATHS.test(req.url ?? '');

/** Query parameters that carry credentials (a browser's JWT). */
const SECRET_QUERY = /([?&]access_token=)[^&#]*/gi;

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
}

/**
 * The service's one pino logger: structured JSON at `level`. Credentials never reach a line
 * (Authorization and cookies are redacted wherever they appear, `access_token` is cut from
 * URLs) and request bodies are never logged.
 */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      censor: '[Redacted]',
    },
    serializers: {
      req: (req: LoggedRequest) => ({ method: req.method, url: req.url?.replace(SECRET_QUERY, '$1[Redacted]'), remoteAddress: req.ip }),
    },
  });
}

/**
 * nestjs-pino on the root logger, for Nest's own lines. HTTP requests are logged by Fastify
 * itself (with `reqId`), which costs a fraction of a pino-http middleware per request.
 */
export function loggingOptions(logger: Logger): Params {
  return {
    pinoHttp: { logger },
    forRoutes: [],
  };
}
