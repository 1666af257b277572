import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';

const TIMED_OUT = { statusCode: 408, error: 'Request Timeout', message: 'request not finished in time' };

/**
 * A Fastify `onRequest` hook: a request still unanswered `timeoutMs` after it was routed gets 408
 * and its connection closed, as one whose body never ends does. The handler's work goes on: a
 * publish it commits late is answered to a retry with the same idempotencyKey. Fastify's own
 * handlerTimeout would answer 503 (a 500 through Nest), and on Node 20 it is cancelled as soon as
 * a request's body has been read (fastify/fastify#6725), which is every publish.
 */
export function requestDeadline(timeoutMs: number): onRequestHookHandler {
  return (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const timer = setTimeout(() => {
      if (!reply.sent) reply.code(408).header('connection', 'close').send(TIMED_OUT);
    }, timeoutMs);
    // The response's close: it was sent, or the client went away.
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  };
}
