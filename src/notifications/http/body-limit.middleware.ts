import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware, PayloadTooLargeException } from '@nestjs/common';

/** REST bodies over this get 413 (section 6 of the contract). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * 413 for a body declared (Content-Length) over 64 KiB on the module's routes, on any HTTP
 * platform: on Fastify before the body is read, on Express after the host's parser, whose own
 * limit (100 KB by default) bounds what it reads. Bodies without a length stay bounded by that parser.
 */
@Injectable()
export class BodyLimitMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  use(request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void): void {
    if (Number(request.headers['content-length']) > MAX_BODY_BYTES) {
      throw new PayloadTooLargeException('Request body is too large');
    }
    next();
  }
}
