import type { IncomingMessage } from 'node:http';
import { BROADCAST_TOPIC, TOPIC_PATTERN, topicOwner } from '../notification.model.js';

/** Longest `Last-Event-ID` accepted: the length `since` may have. */
const MAX_LAST_EVENT_ID = 64;

/** What a `GET /sse` asks for beyond its identity. */
export interface StreamRequest {
  /** `?topics=a,b`, without repeats. */
  topics: string[];
  /** `Last-Event-ID` (header, else `?lastEventId=`): replay after it. */
  since: string | null;
}

/** Reads a stream request's topics and position; a string says what is wrong with it (400). */
export function readStreamRequest(request: IncomingMessage, maxSubscriptions: number): StreamRequest | string {
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const listed = query.getAll('topics').flatMap((value) => value.split(',')).filter((topic) => topic !== '');
  const topics = [...new Set(listed)];
  const bad = topics.find((topic) => !TOPIC_PATTERN.test(topic));
  if (bad !== undefined) return `topics: "${bad.slice(0, 128)}" must match ${TOPIC_PATTERN.source}`;
  // Counted as on the WebSocket: the personal topics and broadcast are not.
  const counted = topics.filter((topic) => topic !== BROADCAST_TOPIC && topicOwner(topic) === null).length;
  if (counted > maxSubscriptions) return `topics: at most ${maxSubscriptions} per stream`;
  const header = request.headers['last-event-id'];
  const since = (typeof header === 'string' && header !== '' ? header : null) ?? query.get('lastEventId');
  if (since !== null && since.length > MAX_LAST_EVENT_ID) return `Last-Event-ID: at most ${MAX_LAST_EVENT_ID} characters`;
  return { topics, since: since === '' ? null : since };
}
