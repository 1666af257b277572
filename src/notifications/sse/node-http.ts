import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Node request and response under a Nest handler's `@Req()`/`@Res()`, on Fastify (`.raw`) or Express (they are). */
export function nodeRequestOf(request: object): IncomingMessage {
  return 'raw' in request ? (request.raw as IncomingMessage) : (request as IncomingMessage);
}

/** Takes the response over from the HTTP framework (Fastify's `hijack`): the handler writes it. */
export function takeResponse(reply: object): ServerResponse {
  if ('hijack' in reply && typeof reply.hijack === 'function') (reply.hijack as () => void)();
  return 'raw' in reply ? (reply.raw as ServerResponse) : (reply as ServerResponse);
}
