import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BeforeApplicationShutdown, Controller, Get, Inject, Logger, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiSecurity, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HandshakeAuthenticator, HandshakeRefusal } from '../auth/handshake-authenticator.service.js';
import { TopicAccess } from '../auth/topic-access.service.js';
import { ConnectionCommands } from '../commands/connection-commands.service.js';
import { ErrorResponseDto } from '../dto/error-response.dto.js';
import { ConnectionLimits, SHUTTING_DOWN } from '../gateway/connection-limits.service.js';
import { EventStreamConnection } from '../hub/event-stream.connection.js';
import { Hub } from '../hub/hub.service.js';
import { StreamReplay } from '../hub/stream-replay.service.js';
import { BROADCAST_TOPIC, personalTopic } from '../notification.model.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';
import { CloseCode } from '../protocol/close-codes.js';
import { EventStreams } from './event-streams.js';
import { nodeRequestOf, takeResponse } from './node-http.js';
import { readStreamRequest, type StreamRequest } from './stream-request.js';

/** A refused stream: the status, why, and headers (Retry-After). */
interface StreamRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  // The stream ends with its connection (no chunked encoding), and proxies must not buffer it.
  Connection: 'close',
  'X-Accel-Buffering': 'no',
};
const EXAMPLE_STREAM =
  'event: welcome\ndata: {"connectionId":"5b0c…","userId":"alice","heartbeatMs":30000}\n\n' +
  'event: unread\ndata: {"count":2}\n\n' +
  'id: k3x9f2a1b0-42\nevent: notification\ndata: {"id":"k3x9f2a1b0-42","topic":"user:alice","type":"order.shipped","payload":{},"createdAt":"2026-11-22T10:00:00.000Z"}\n\n' +
  ':\n\n';

/**
 * The Server-Sent Events edge: `GET /sse` opens a stream through the same Hub, identity,
 * authorization and limits as a WebSocket handshake. Its client sends commands with
 * `POST /commands` (StreamCommandsController).
 */
@ApiTags('sse')
@ApiSecurity('accessToken')
@ApiSecurity('userToken')
@Controller()
export class EventStreamController implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamController.name);
  private accepting = true;

  constructor(
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
    private readonly hub: Hub,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly access: TopicAccess,
    private readonly limits: ConnectionLimits,
    private readonly commands: ConnectionCommands,
    private readonly replay: StreamReplay,
    private readonly streams: EventStreams,
  ) {}

  /** New streams are refused from here on; the open ones end with the WebSocket connections (see the gateway). */
  beforeApplicationShutdown(): void {
    this.accepting = false;
  }

  @Get('sse')
  @ApiOperation({
    summary: 'Open a Server-Sent Events stream',
    description:
      "The user's personal topic and `broadcast`, plus `topics`, as `text/event-stream`: `welcome` first (its `connectionId` is the stream id that " +
      '`POST /commands` takes), then every frame of the protocol as `event: <event>` with its JSON `data`; a notification carries its id as `id:`. ' +
      'With `Last-Event-ID` (or `lastEventId`) what the stream missed on all its topics is replayed first, in id order, after one `subscribed` ' +
      '{topic, recovered, missed} per topic. A `:` comment line every HEARTBEAT_MS. Same identity as the WebSocket (no API key). See docs/protocol.md.',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'topics', required: false, description: 'Comma-separated topics to stream beside the personal one and broadcast.', example: 'orders,private:team-7' })
  @ApiQuery({ name: 'access_token', required: false, description: 'The JWT, when the `Authorization` header cannot be set (EventSource cannot).' })
  @ApiQuery({ name: 'user', required: false, description: 'Insecure dev mode only (no JWT key): the unverified user id.' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'As `Last-Event-ID`, for clients that cannot set headers.' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last notification id the stream received (EventSource sends it when it reconnects).' })
  @ApiOkResponse({ description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string', example: EXAMPLE_STREAM } } } })
  @ApiResponse({ status: 400, description: 'A bad topic name, too many topics, or a `Last-Event-ID` over 64 characters.', type: ErrorResponseDto })
  @ApiResponse({ status: 401, description: 'Missing or invalid token.', type: ErrorResponseDto })
  @ApiResponse({ status: 403, description: 'A topic the user may not subscribe to, or a refused `Origin`.', type: ErrorResponseDto })
  @ApiResponse({ status: 429, description: 'MAX_CONNECTIONS_PER_USER open already (WebSockets and streams together).', type: ErrorResponseDto })
  @ApiResponse({
    status: 503,
    description: 'MAX_CONNECTIONS open already (WebSockets and streams together), or shutting down.',
    type: ErrorResponseDto,
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', example: 5 } } },
  })
  async open(@Req() req: object, @Res() reply: object): Promise<void> {
    const request = nodeRequestOf(req);
    const response = takeResponse(reply);
    try {
      const admitted = await this.admit(request);
      if ('status' in admitted) return refuse(response, admitted);
      this.start(request, response, admitted.user, admitted.wanted);
    } catch (error) {
      this.logger.error(`stream setup failed: ${(error as Error).message}`);
      if (!response.headersSent) refuse(response, { status: 500, message: 'internal error' });
      else response.destroy();
    }
  }

  /** The checks of a WebSocket handshake, in its order: capacity before the token is verified, then identity, the request, the user's limits and topics. */
  private async admit(request: IncomingMessage): Promise<StreamRefusal | { user: ConnectionUser | null; wanted: StreamRequest }> {
    if (!this.accepting) return { status: SHUTTING_DOWN.status, message: SHUTTING_DOWN.reason, headers: SHUTTING_DOWN.headers };
    const full = this.limits.refusal(null);
    if (full) return { status: full.status, message: full.reason, headers: full.headers };
    let user: ConnectionUser | null;
    try {
      user = await this.authenticator.authenticate(request);
    } catch (error) {
      if (error instanceof HandshakeRefusal) return { status: error.status, message: error.message };
      throw error;
    }
    const wanted = readStreamRequest(request, this.options.maxSubscriptions);
    if (typeof wanted === 'string') return { status: 400, message: wanted };
    for (const topic of wanted.topics) {
      if (!(await this.access.maySubscribe(user, topic))) return { status: 403, message: `not allowed to subscribe to "${topic}"` };
    }
    // After every wait: streams and handshakes that raced meanwhile are counted.
    const refused = this.limits.refusal(user);
    if (refused) return { status: refused.status, message: refused.reason, headers: refused.headers };
    return { user, wanted };
  }

  private start(request: IncomingMessage, response: ServerResponse, user: ConnectionUser | null, { topics, since }: StreamRequest): void {
    const socket = request.socket;
    // A client that left while it was admitted: nothing to open (its close event has passed).
    if (socket.destroyed) return;
    // Sent as is, without chunked encoding: event bytes then go straight to the socket.
    response.useChunkedEncodingByDefault = false;
    response.writeHead(200, STREAM_HEADERS);
    // HEAD (which Fastify answers with the GET route) gets the head alone.
    if (request.method === 'HEAD') return void response.end();
    response.flushHeaders();
    socket.setNoDelay(true);
    socket.setTimeout(0);
    const stream = new EventStreamConnection(response, socket, randomUUID(), user);
    this.hub.add(stream);
    this.streams.add(stream);
    socket.once('close', () => {
      clearTimeout(stream.expiryTimer);
      this.streams.remove(stream);
      this.hub.remove(stream);
    });
    const automatic = user === null ? [BROADCAST_TOPIC] : [BROADCAST_TOPIC, personalTopic(user.id)];
    const all = [...new Set([...automatic, ...topics])];
    // Held from before the stream joins its topics: nothing live goes out ahead of what it missed.
    const runs = since === null ? null : this.replay.hold(stream, all);
    this.commands.greet(stream);
    for (const topic of topics) this.hub.join(stream, topic);
    this.logger.debug({ connectionId: stream.connectionId, userId: stream.userId }, 'stream opened');
    if (runs === null) return;
    this.replay.replay(stream, runs, since!).catch((error: unknown) => {
      this.logger.warn(`stream replay failed: ${(error as Error).message}`);
      // Ended: the client reconnects with Last-Event-ID and the replay is tried again.
      if (stream.open) this.hub.close(stream, CloseCode.INTERNAL, 'replay failed');
    });
  }
}

function refuse(response: ServerResponse, { status, message, headers }: StreamRefusal): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify({ statusCode: status, error: REASONS[status], message }));
}
