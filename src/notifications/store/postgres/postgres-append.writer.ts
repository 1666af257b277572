import type { PoolClient } from 'pg';
import { type InboxCounts, type Notification, topicOwner } from '../../notification.model.js';
import type { AppendOutcome } from '../group-commit.queue.js';
import { formatNotificationId } from '../notification-id.js';
import { isConnectionFailure } from './postgres-connection.errors.js';
import {
  type AcceptedNotification,
  type AppendItem,
  type AppendResult,
  type IdempotencyClaim,
  IdempotencyConflictError,
} from '../notification-store.js';

/** An append whose payloads already serialized: what can still fail is the database. */
export interface PreparedAppend {
  items: Array<{ topic: string; type: string; payload: Record<string, unknown>; payloadJson: string }>;
  idempotency?: IdempotencyClaim;
  createdAt: Date;
}

/**
 * Serializes an append's payloads up front: a payload JSON cannot encode fails its own append
 * before anything is written. The parsed copy is what the store answers, as a read would.
 */
export function prepareAppend(items: AppendItem[], idempotency: IdempotencyClaim | undefined, createdAt: Date): PreparedAppend {
  return {
    items: items.map(({ topic, type, payload }) => {
      const payloadJson = JSON.stringify(payload ?? {});
      return { topic, type, payload: JSON.parse(payloadJson) as Record<string, unknown>, payloadJson };
    }),
    idempotency,
    createdAt,
  };
}

/** What an idempotency key answers once claimed: the first request's fingerprint and answer. */
interface KeyAnswer {
  fingerprint: string;
  accepted: AcceptedNotification[];
}

/** A notification about to be written, with what its row needs beyond the notification. */
interface PlannedRow {
  notification: Notification;
  seq: number;
  payloadJson: string;
}

/**
 * Writes a batch of appends: one transaction when any carries an idempotency key (the key and
 * the notifications commit together), else a single statement. The caller holds the batch's
 * topic locks and drew `seqs` under them, ascending, at least one per item; the items written
 * take them in order. Answers one outcome per append, in order; throws when the database
 * fails, having written nothing.
 */
export async function writeAppends(client: PoolClient, epoch: string, appends: PreparedAppend[], seqs: number[]): Promise<AppendOutcome[]> {
  // The first append of each key claims it; later ones in this batch answer as its repeats.
  const claimants = new Map<string, number>();
  const writers: number[] = [];
  appends.forEach(({ idempotency }, index) => {
    if (idempotency && claimants.has(idempotency.key)) return;
    if (idempotency) claimants.set(idempotency.key, index);
    writers.push(index);
  });

  const planned = new Map<number, PlannedRow[]>();
  let drawn = 0;
  for (const index of writers) {
    const { items, createdAt } = appends[index];
    planned.set(
      index,
      items.map(({ topic, type, payload, payloadJson }) => {
        const seq = seqs[drawn++];
        const notification = { id: formatNotificationId(epoch, seq), topic, type, payload, createdAt: createdAt.toISOString() };
        return { notification, seq, payloadJson };
      }),
    );
  }
  const notificationsOf = (index: number): Notification[] => planned.get(index)!.map((row) => row.notification);

  const inTransaction = claimants.size > 0;
  if (inTransaction) await client.query('BEGIN');
  let earlierKeys: Map<string, KeyAnswer>;
  let appended: number[];
  let inserted: Inserted;
  try {
    earlierKeys = await claimKeys(
      client,
      [...claimants.values()].map((index) => ({ append: appends[index], notifications: notificationsOf(index) })),
    );
    appended = writers.filter((index) => {
      const key = appends[index].idempotency?.key;
      return key === undefined || !earlierKeys.has(key);
    });
    inserted = await insertNotifications(
      client,
      appended.flatMap((index) => planned.get(index)!),
    );
    if (inTransaction) await client.query('COMMIT');
  } catch (error) {
    // A connection that failed is destroyed by the caller, which ends its transaction: a ROLLBACK would wait out another timeout.
    if (inTransaction && !isConnectionFailure(error)) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }

  const inboxCounts = inboxCountsPerAppend(appended.map(notificationsOf), inserted.countsAfterBatch);
  const previousIds = previousIdsPerAppend(epoch, appended.map((index) => planned.get(index)!), inserted.lastSeqBefore);
  const results = new Map<number, AppendResult>(
    appended.map((index, position) => {
      const notifications = notificationsOf(index);
      const accepted = acceptedOf(notifications);
      return [index, { accepted, notifications, duplicate: false, inboxCounts: inboxCounts[position], previousIds: previousIds[position] }];
    }),
  );
  const answers = new Map<string, KeyAnswer>();
  for (const [key, index] of claimants) {
    answers.set(key, earlierKeys.get(key) ?? { fingerprint: appends[index].idempotency!.fingerprint, accepted: acceptedOf(notificationsOf(index)) });
  }
  return appends.map(({ idempotency }, index): AppendOutcome => {
    const result = results.get(index);
    if (result) return { result };
    const answer = answers.get(idempotency!.key)!;
    if (answer.fingerprint !== idempotency!.fingerprint) return { error: new IdempotencyConflictError(idempotency!.key) };
    return { result: duplicateOf(answer) };
  });
}

const acceptedOf = (notifications: Notification[]): AcceptedNotification[] => notifications.map(({ id, topic }) => ({ id, topic }));

const duplicateOf = (answer: KeyAnswer): AppendResult => ({
  accepted: answer.accepted.map(({ id, topic }) => ({ id, topic })),
  notifications: [],
  duplicate: true,
  inboxCounts: new Map(),
});

/**
 * Records each claimed key with its answer, in key order (so two instances claiming the same
 * keys cannot deadlock). A key another request holds already is left as it is and answered,
 * after waiting for that request to commit when it is still in flight.
 */
async function claimKeys(
  client: PoolClient,
  claims: Array<{ append: PreparedAppend; notifications: Notification[] }>,
): Promise<Map<string, KeyAnswer>> {
  const earlier = new Map<string, KeyAnswer>();
  if (claims.length === 0) return earlier;
  const { rows } = await client.query<{ key: string; fingerprint: string; accepted: AcceptedNotification[]; claimed: boolean }>(
    `INSERT INTO idempotency_keys (key, fingerprint, accepted, created_at)
     SELECT key, fingerprint, accepted::json, created_at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS claim(key, fingerprint, accepted, created_at)
     ORDER BY key
     ON CONFLICT (key) DO UPDATE SET fingerprint = idempotency_keys.fingerprint
     RETURNING key, fingerprint, accepted, (xmax = 0) AS claimed`,
    [
      claims.map(({ append }) => append.idempotency!.key),
      claims.map(({ append }) => append.idempotency!.fingerprint),
      claims.map(({ notifications }) => JSON.stringify(acceptedOf(notifications))),
      claims.map(({ append }) => append.createdAt.toISOString()),
    ],
  );
  // xmax = 0 marks a row this statement inserted; a conflicting row comes back as it was.
  for (const row of rows) if (!row.claimed) earlier.set(row.key, { fingerprint: row.fingerprint, accepted: row.accepted });
  return earlier;
}

/** What one insert statement answers beyond writing the rows. */
interface Inserted {
  /** Each recipient's inbox counts after the batch. */
  countsAfterBatch: Map<string, InboxCounts>;
  /** Each topic's highest seq before the batch: its last notification, kept or pruned. */
  lastSeqBefore: Map<string, number>;
}

/**
 * Inserts the notifications, registers their topics and counts personal ones as unread and
 * unseen, in one statement; answers the counts of every recipient after it, and where each topic stood
 * before it (the statement reads one snapshot, from before its own inserts).
 */
async function insertNotifications(client: PoolClient, rows: PlannedRow[]): Promise<Inserted> {
  if (rows.length === 0) return { countsAfterBatch: new Map(), lastSeqBefore: new Map() };
  const { rows: answers } = await client.query<{ kind: 'unread' | 'unseen' | 'last'; name: string; value: string }>({
    // Named: parsed and planned once per connection, not once per batch.
    name: 'append-notifications',
    text: `WITH item AS (
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
         AS item(topic, seq, type, payload, created_at, owner)
     ), last AS (
       SELECT t.topic, greatest(
         (SELECT max(seq) FROM notifications n WHERE n.topic = t.topic),
         (SELECT pruned_seq FROM topics p WHERE p.topic = t.topic)
       ) AS seq
       FROM (SELECT DISTINCT topic FROM item) t
     ), registered AS (
       INSERT INTO topics (topic) SELECT DISTINCT topic FROM item ORDER BY topic ON CONFLICT (topic) DO NOTHING
     ), stored AS (
       INSERT INTO notifications (topic, seq, type, payload, created_at, read)
       SELECT topic, seq, type, payload::json, created_at, CASE WHEN owner IS NOT NULL THEN false END FROM item
     ), counted AS (
       INSERT INTO inbox_counts (user_id, unread, unseen)
       SELECT owner, count(*), count(*) FROM item WHERE owner IS NOT NULL GROUP BY owner ORDER BY owner
       ON CONFLICT (user_id) DO UPDATE SET unread = inbox_counts.unread + EXCLUDED.unread, unseen = inbox_counts.unseen + EXCLUDED.unseen
       RETURNING user_id, unread, unseen
     )
     SELECT 'unread' AS kind, user_id AS name, unread::bigint AS value FROM counted
     UNION ALL
     SELECT 'unseen', user_id, unseen FROM counted
     UNION ALL
     SELECT 'last', topic, seq FROM last WHERE seq IS NOT NULL`,
    values: [
      rows.map(({ notification }) => notification.topic),
      rows.map(({ seq }) => seq),
      rows.map(({ notification }) => notification.type),
      rows.map(({ payloadJson }) => payloadJson),
      rows.map(({ notification }) => notification.createdAt),
      rows.map(({ notification }) => topicOwner(notification.topic)),
    ],
  });
  const inserted: Inserted = { countsAfterBatch: new Map(), lastSeqBefore: new Map() };
  for (const { kind, name, value } of answers) {
    if (kind === 'last') inserted.lastSeqBefore.set(name, Number(value));
    else inserted.countsAfterBatch.set(name, { ...(inserted.countsAfterBatch.get(name) ?? { unread: 0, unseen: 0 }), [kind]: Number(value) });
  }
  return inserted;
}

/** The id of the notification before each one in its topic (null for a topic's first), in batch order. */
function previousIdsPerAppend(epoch: string, batch: PlannedRow[][], lastSeqBefore: Map<string, number>): Array<Array<string | null>> {
  const last = new Map(lastSeqBefore);
  return batch.map((rows) =>
    rows.map(({ notification: { topic }, seq }) => {
      const previous = last.get(topic);
      last.set(topic, seq);
      return previous === undefined ? null : formatNotificationId(epoch, previous);
    }),
  );
}

/**
 * Each append's answer: its recipients' counts right after it, derived from the counts after the
 * whole batch minus what later appends of the batch added (each personal notification adds one
 * to both).
 */
function inboxCountsPerAppend(batch: Notification[][], afterBatch: Map<string, InboxCounts>): Array<Map<string, InboxCounts>> {
  const running = new Map([...afterBatch].map(([owner, counts]) => [owner, { ...counts }]));
  const add = (owner: string, step: number): InboxCounts => {
    const counts = running.get(owner)!;
    counts.unread += step;
    counts.unseen += step;
    return counts;
  };
  for (const notifications of batch) {
    for (const { topic } of notifications) {
      const owner = topicOwner(topic);
      if (owner !== null) add(owner, -1);
    }
  }
  return batch.map((notifications) => {
    const counts = new Map<string, InboxCounts>();
    for (const { topic } of notifications) {
      const owner = topicOwner(topic);
      if (owner !== null) counts.set(owner, { ...add(owner, 1) });
    }
    return counts;
  });
}
