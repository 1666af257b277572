// The subset of `POST /notifications` validation the baselines share with the service.
const TOPIC = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const TYPE = /^[A-Za-z0-9_.:-]{1,64}$/;
const FIELDS = new Set(['type', 'payload', 'userIds', 'topic', 'broadcast', 'idempotencyKey']);

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Validates a parsed `POST /notifications` body; answers the target topics and the draft,
 * or `{error}` with the reason.
 * @returns {{topics: string[], type: string, payload: object} | {error: string}}
 */
export function readNotificationRequest(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'body must be an object' };
  const unknown = Object.keys(body).filter((key) => !FIELDS.has(key));
  if (unknown.length) return { error: `unknown fields: ${unknown.join(', ')}` };
  if (typeof body.type !== 'string' || !TYPE.test(body.type)) return { error: 'type is invalid' };
  const payload = body.payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { error: 'payload must be an object' };
  const targets = ['userIds', 'topic', 'broadcast'].filter((key) => body[key] !== undefined);
  if (targets.length !== 1) return { error: 'exactly one of userIds, topic, broadcast' };
  if (body.broadcast !== undefined) {
    return body.broadcast === true ? { topics: ['broadcast'], type: body.type, payload } : { error: 'broadcast must be true' };
  }
  if (body.topic !== undefined) {
    const { topic } = body;
    if (typeof topic !== 'string' || !TOPIC.test(topic) || topic === 'broadcast' || topic.startsWith('user:')) {
      return { error: 'topic is invalid' };
    }
    return { topics: [topic], type: body.type, payload };
  }
  const { userIds } = body;
  if (!Array.isArray(userIds) || userIds.length < 1 || userIds.length > 1000 || new Set(userIds).size !== userIds.length) {
    return { error: 'userIds must be 1 to 1000 distinct ids' };
  }
  const topics = userIds.map((id) => `user:${id}`);
  if (!userIds.every((id) => typeof id === 'string') || !topics.every((topic) => TOPIC.test(topic))) {
    return { error: 'userIds are invalid' };
  }
  return { topics, type: body.type, payload };
}

/** Reads a JSON request body up to MAX_BODY_BYTES; answers `{status, body}` or `{status, error}`. */
export function readJsonBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return resolve({ status: 413, error: 'body too large' });
      try {
        resolve({ status: 200, body: JSON.parse(Buffer.concat(chunks).toString()) });
      } catch {
        resolve({ status: 400, error: 'body is not JSON' });
      }
    });
  });
}

/** Writes a JSON answer. */
export function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
