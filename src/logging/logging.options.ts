import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';

/** Query parameters that carry credentials (a browser's JWT). */
const SECRET_QUERY = /([?&]access_token=)[^&#]*/gi;
/** Probes and scrapes would drown the request log. */
const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** Middleware sees `url` with the matched path stripped; `originalUrl` is the one requested. */
const pathOf = (req: IncomingMessage): string => (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';

/**
 * Structured JSON logs at `level`: one line per HTTP request with its id (Fastify's, see
 * request-id.ts) and `reqId` on every line logged while serving it. Credentials never reach a
 * line (Authorization, cookies and `access_token` are redacted) and bodies are never logged.
 */
export function loggingOptions(level: string): Params {
  return {
    // nestjs-pino's default route pattern matches no request under the Fastify adapter of Nest 12.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      quietReqLogger: true,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.access_token'],
        censor: '[Redacted]',
      },
      serializers: {
        req: (req: { url?: string }) => {
          if (req.url) req.url = req.url.replace(SECRET_QUERY, '$1[Redacted]');
          return req;
        },
      },
      autoLogging: { ignore: (req) => QUIET_PATHS.test(pathOf(req)) },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
