import { TOPIC_PATTERN, TYPE_PATTERN } from '../notifications/notification.model.js';
import { EXCEPTION_CODES } from '../notifications/protocol/exceptions.js';
import type { ClientEvent, ServerEvent } from '../notifications/protocol/frames.js';

/** A JSON Schema, as AsyncAPI 3 embeds them. */
type Schema = Record<string, unknown>;

const ref = (path: string): { $ref: string } => ({ $ref: path });
const schema = (name: string): { $ref: string } => ref(`#/components/schemas/${name}`);
const channelMessage = (event: string): { $ref: string } => ref(`#/channels/protocol/messages/${event}`);
const CHANNEL = ref('#/channels/protocol');

/** One frame of the protocol: the `{event, data}` envelope with `event` fixed and `data` described. */
const frame = (event: string, summary: string, data: Schema, example: unknown): Schema => ({
  name: event,
  title: event,
  summary,
  payload: {
    type: 'object',
    required: ['event', 'data'],
    additionalProperties: false,
    properties: { event: { type: 'string', const: event }, data },
  },
  examples: [{ name: event, payload: { event, data: example } }],
});

const topic = { type: 'string', pattern: TOPIC_PATTERN.source, examples: ['orders'] };
const notificationId = { type: 'string', maxLength: 64, description: 'Opaque; increasing within its topic.', examples: ['k3x9f2a1b0-42'] };
const isoTime = { type: 'string', format: 'date-time' };
const count = (description: string) => ({ type: 'integer', minimum: 0, description });
const inboxCounts = {
  unread: count('Unread notifications of the user, archived ones left out.'),
  unseen: count('Unseen notifications of the user, archived ones left out.'),
};
const markFlags = {
  seen: { type: 'boolean', description: 'Shown in the feed; false also makes them unread.' },
  read: { type: 'boolean', description: 'Acted on; true also makes them seen (so `seen: false` beside it is refused).' },
  archived: { type: 'boolean', description: 'Dismissed from the feed and left out of the counts.' },
};
/** At least one flag beside the selection (no other property is allowed). */
const someFlag = { minProperties: 2 };

const schemas: Record<string, Schema> = {
  SubscribeData: {
    type: 'object',
    required: ['topic'],
    additionalProperties: false,
    properties: {
      topic,
      since: { ...notificationId, description: 'The last id seen in this topic: what came after it is replayed first.' },
    },
  },
  UnsubscribeData: { type: 'object', required: ['topic'], additionalProperties: false, properties: { topic } },
  ReadData: {
    description: 'Exactly one of `ids` and `all`.',
    oneOf: [
      {
        type: 'object',
        required: ['ids'],
        additionalProperties: false,
        properties: { ids: { type: 'array', minItems: 1, maxItems: 1000, items: notificationId } },
      },
      { type: 'object', required: ['all'], additionalProperties: false, properties: { all: { type: 'boolean', const: true } } },
    ],
  },
  MarkData: {
    description: 'Exactly one of `ids` and `all`, and at least one of `seen`, `read`, `archived`.',
    oneOf: [
      {
        type: 'object',
        required: ['ids'],
        additionalProperties: false,
        properties: { ids: { type: 'array', minItems: 1, maxItems: 1000, items: notificationId }, ...markFlags },
        ...someFlag,
      },
      {
        type: 'object',
        required: ['all'],
        additionalProperties: false,
        properties: { all: { type: 'boolean', const: true }, ...markFlags },
        ...someFlag,
      },
    ],
  },
  InboxQueryData: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
      before: { ...notificationId, description: 'The `nextCursor` of the previous page.' },
      unread: { type: 'boolean', const: true, description: 'Only unread notifications.' },
      archived: { type: 'boolean', default: false, description: 'true: only archived notifications; false: only the others.' },
      types: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', pattern: TYPE_PATTERN.source }, description: 'Only these types.' },
    },
  },
  AuthData: {
    type: 'object',
    required: ['token'],
    additionalProperties: false,
    properties: { token: { type: 'string', minLength: 1, maxLength: 16384, description: 'A fresh JWT for the same user.' } },
  },
  PingData: { type: 'object', additionalProperties: false, properties: {} },
  WelcomeData: {
    type: 'object',
    required: ['connectionId', 'userId', 'heartbeatMs'],
    additionalProperties: false,
    properties: {
      connectionId: { type: 'string' },
      userId: { type: ['string', 'null'], description: 'null for an anonymous connection.' },
      heartbeatMs: { type: 'integer', description: 'Interval of the server\'s WebSocket ping frames.' },
    },
  },
  SubscribedData: {
    type: 'object',
    required: ['topic', 'recovered', 'missed'],
    additionalProperties: false,
    properties: {
      topic,
      recovered: { type: 'boolean', description: 'True only when `since` was given and everything after it was replayed.' },
      missed: { type: 'integer', minimum: 0, description: 'Notifications replayed right after this frame.' },
    },
  },
  UnsubscribedData: { type: 'object', required: ['topic'], additionalProperties: false, properties: { topic } },
  UnreadData: {
    type: 'object',
    required: ['count'],
    additionalProperties: false,
    properties: { count: { type: 'integer', minimum: 0, description: "The user's unread inbox count." } },
  },
  CountsData: { type: 'object', required: ['unread', 'unseen'], additionalProperties: false, properties: inboxCounts },
  InboxItem: {
    type: 'object',
    required: ['id', 'topic', 'type', 'payload', 'createdAt', 'seen', 'read', 'archived'],
    additionalProperties: false,
    properties: {
      id: notificationId,
      topic,
      type: { type: 'string', pattern: TYPE_PATTERN.source },
      payload: { type: 'object' },
      createdAt: isoTime,
      seen: { type: 'boolean', description: 'Shown in the feed.' },
      read: { type: 'boolean', description: 'Acted on; a read notification is seen.' },
      archived: { type: 'boolean', description: 'Dismissed from the feed.' },
    },
  },
  InboxData: {
    type: 'object',
    required: ['items', 'nextCursor', 'unread', 'unseen'],
    additionalProperties: false,
    properties: {
      items: { type: 'array', maxItems: 100, items: schema('InboxItem'), description: 'Newest first.' },
      nextCursor: { type: ['string', 'null'], description: 'Pass as `before` for the next page; null on the last page.' },
      ...inboxCounts,
    },
  },
  AuthenticatedData: {
    type: 'object',
    required: ['userId', 'expiresAt'],
    additionalProperties: false,
    properties: {
      userId: { type: 'string' },
      expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'null for a token without `exp`.' },
    },
  },
  PongData: { type: 'object', required: ['time'], additionalProperties: false, properties: { time: isoTime } },
  Notification: {
    type: 'object',
    required: ['id', 'topic', 'type', 'payload', 'createdAt'],
    additionalProperties: false,
    properties: {
      id: notificationId,
      topic,
      type: { type: 'string', pattern: TYPE_PATTERN.source },
      payload: { type: 'object', description: 'Any JSON object up to 64 KiB serialized.' },
      createdAt: isoTime,
    },
  },
  ExceptionData: {
    type: 'object',
    required: ['status', 'code', 'message'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', const: 'error' },
      code: {
        type: 'string',
        enum: [...EXCEPTION_CODES],
      },
      message: { type: 'string' },
      errors: {
        type: 'array',
        description: 'With VALIDATION_FAILED: one entry per bad field.',
        items: {
          type: 'object',
          required: ['field', 'messages'],
          additionalProperties: false,
          properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
        },
      },
      cause: {
        type: 'object',
        description: 'The command that failed, whenever it could be read: at most 64 characters of its event, and its data only when that serializes to at most 1 KiB.',
        required: ['pattern'],
        additionalProperties: false,
        properties: { pattern: { type: 'string' }, data: {} },
      },
    },
  },
};

const now = '2026-11-21T20:00:00.000Z';
const aNotification = { id: 'k3x9f2a1b0-42', topic: 'orders', type: 'order.shipped', payload: { orderId: 'A-1001' }, createdAt: now };

/** Every frame of the protocol, by event (contract section 4): the compiler refuses a missing one. */
const messages: Record<ClientEvent | ServerEvent, Schema> = {
  subscribe: frame('subscribe', 'Join a topic; with `since`, replay what came after it first.', schema('SubscribeData'), { topic: 'orders', since: 'k3x9f2a1b0-41' }),
  unsubscribe: frame('unsubscribe', 'Leave a topic.', schema('UnsubscribeData'), { topic: 'orders' }),
  read: frame('read', 'Mark inbox notifications read, by id or all of them.', schema('ReadData'), { ids: ['k3x9f2a1b0-42'] }),
  auth: frame('auth', 'Replace the connection\'s token with a fresh one for the same user before it expires.', schema('AuthData'), { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl' }),
  ping: frame('ping', 'Application-level ping.', schema('PingData'), {}),
  welcome: frame('welcome', 'First frame of every connection.', schema('WelcomeData'), { connectionId: '5f0c6f7e-3d0e-4a4b-9a51-0c9e7f1b2a3c', userId: 'alice', heartbeatMs: 30000 }),
  subscribed: frame('subscribed', 'Answer to `subscribe`; the `missed` notifications follow it, in order.', schema('SubscribedData'), { topic: 'orders', recovered: true, missed: 1 }),
  unsubscribed: frame('unsubscribed', 'Answer to `unsubscribe`.', schema('UnsubscribedData'), { topic: 'orders' }),
  unread: frame('unread', "The user's unread count: right after `welcome`, as the answer to `read`, and whenever it changes.", schema('UnreadData'), { count: 3 }),
  authenticated: frame('authenticated', 'Answer to `auth`: the new identity and when it expires.', schema('AuthenticatedData'), { userId: 'alice', expiresAt: now }),
  pong: frame('pong', 'Answer to `ping`.', schema('PongData'), { time: now }),
  notification: frame('notification', 'A notification of a topic the connection is in, in id order.', schema('Notification'), aNotification),
  mark: frame('mark', 'Set `seen`, `read` or `archived` on inbox notifications, by id or all of them.', schema('MarkData'), { all: true, seen: true }),
  counts: frame('counts', "The user's inbox counts: right after `welcome`, as the answer to `mark`, and whenever either changes.", schema('CountsData'), { unread: 3, unseen: 1 }),
  inbox: frame(
    'inbox',
    "As a command: ask for a page of the connection's own inbox. As the server's answer: that page, newest first, with the counts.",
    { oneOf: [schema('InboxQueryData'), schema('InboxData')] },
    { items: [{ ...aNotification, topic: 'user:alice', seen: true, read: false, archived: false }], nextCursor: null, unread: 3, unseen: 1 },
  ),
  exception: frame('exception', 'A frame or command failed; the socket stays open (more than MAX_BAD_FRAMES in 10 s closes it with 1008).', schema('ExceptionData'), {
    status: 'error',
    code: 'VALIDATION_FAILED',
    message: 'validation failed',
    errors: [{ field: 'topic', messages: ['topic must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'] }],
    cause: { pattern: 'subscribe', data: { topic: '' } },
  }),
};

/** A client command and the frames the server answers it with. */
const command = (event: ClientEvent, summary: string, replies: ServerEvent[]): Schema => ({
  action: 'receive',
  channel: CHANNEL,
  summary,
  messages: [channelMessage(event)],
  reply: { channel: CHANNEL, messages: replies.map(channelMessage) },
});

/** A frame the server sends on its own. */
const push = (event: ServerEvent, summary: string): Schema => ({
  action: 'send',
  channel: CHANNEL,
  summary,
  messages: [channelMessage(event)],
});

/**
 * The WebSocket protocol as an AsyncAPI 3 document, served at `GET /asyncapi.json`. It describes
 * the service: `receive` operations are client commands, `send` operations are server frames.
 */
export const asyncApiDocument = {
  asyncapi: '3.0.0',
  info: {
    title: 'Notifications WebSocket protocol',
    version: '1.1.0',
    description: [
      'Every frame is one JSON text message `{"event": string, "data": object}`. Unknown fields in `data` are refused.',
      '',
      'Close codes: 1001 server shutting down (reconnect), 1008 policy (abuse, too many connections for the user), 1009 frame',
      'too large (MAX_PAYLOAD_BYTES), 1011 internal error, 1013 instance full (reconnect with backoff), 4001 token invalid or',
      'expired (get a new token first), 4008 too slow to read (reconnect and recover with `since`).',
      '',
      'Limits: COMMAND_RATE frames a second per connection (RATE_LIMITED), MAX_SUBSCRIPTIONS topics per connection',
      '(LIMIT_EXCEEDED); handshakes past MAX_CONNECTIONS get HTTP 503, past MAX_CONNECTIONS_PER_USER HTTP 429.',
      '',
      'The same frames are served as a Server-Sent Events stream at `GET /sse` (`event: <event>`, `data: <data>`, a notification\'s',
      'id as `id:`), whose client sends these commands with `POST /commands`: see the OpenAPI document and docs/protocol.md.',
    ].join('\n'),
  },
  defaultContentType: 'application/json',
  servers: {
    service: {
      host: 'localhost:3000',
      protocol: 'ws',
      pathname: '/ws',
      description: 'PORT and WS_PATH configure the address. A client may offer the subprotocol `notifications.v1`.',
      security: [ref('#/components/securitySchemes/bearer'), ref('#/components/securitySchemes/accessToken')],
    },
  },
  channels: {
    protocol: {
      address: '/ws',
      title: 'Notifications connection',
      description: 'One connection per client; it is in `broadcast` and, when it has a user, `user:<userId>` from the start.',
      messages: Object.fromEntries(Object.keys(messages).map((event) => [event, ref(`#/components/messages/${event}`)])),
    },
  },
  operations: {
    subscribe: command('subscribe', 'Join a topic.', ['subscribed', 'notification', 'exception']),
    unsubscribe: command('unsubscribe', 'Leave a topic.', ['unsubscribed', 'exception']),
    read: command('read', 'Mark notifications read (then `counts`, when they changed).', ['unread', 'counts', 'exception']),
    mark: command('mark', 'Set flags of inbox notifications.', ['counts', 'exception']),
    inbox: command('inbox', "Page the connection's own inbox.", ['inbox', 'exception']),
    auth: command('auth', 'Refresh the token.', ['authenticated', 'exception']),
    ping: command('ping', 'Ping the server.', ['pong', 'exception']),
    welcome: push('welcome', 'Greets a new connection.'),
    notification: push('notification', 'Delivers a notification.'),
    unread: push('unread', 'Pushes the unread count.'),
    counts: push('counts', 'Pushes the inbox counts.'),
    exception: push('exception', 'Reports a bad frame or a failed command.'),
  },
  components: {
    messages,
    schemas,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Authorization header of the upgrade request.' },
      accessToken: { type: 'httpApiKey', in: 'query', name: 'access_token', description: 'The JWT as a query parameter, for browsers.' },
    },
  },
};
