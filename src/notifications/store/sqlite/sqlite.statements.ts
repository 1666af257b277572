import type { Database } from 'better-sqlite3';
import type { InboxItem, Notification } from '../../notification.model.js';
import { formatNotificationId } from '../notification-id.js';

/** A row of `notifications` as the reads select it. */
export interface NotificationRow {
  seq: number;
  topic: string;
  type: string;
  payload: string;
  created_at: number;
  read: number | null;
}

/** A row retention deleted. */
export interface PrunedRow {
  seq: number;
  topic: string;
}

const COLUMNS = 'seq, topic, type, payload, created_at, read';

/** Every statement the store runs, prepared once at open. @internal (its inferred type has no public name) */
export function prepareSqliteStatements(db: Database) {
  return {
    ping: db.prepare('SELECT 1').pluck(),
    // meta
    readMeta: db.prepare<[string], unknown>('SELECT value FROM store_meta WHERE key = ?').pluck(),
    initMeta: db.prepare<[string, unknown]>('INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    saveLastSeq: db.prepare<[number]>("UPDATE store_meta SET value = ? WHERE key = 'last_seq'"),
    // append
    insertNotification: db.prepare<[number, string, string, string, number, number | null]>(
      'INSERT INTO notifications (seq, topic, type, payload, created_at, read) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    countShared: db.prepare<[string, number]>(
      'INSERT INTO topics (topic, stored) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET stored = stored + excluded.stored',
    ),
    countInbox: db
      .prepare<[string, number, number], number>(
        `INSERT INTO topics (topic, stored, unread) VALUES (?, ?, ?)
         ON CONFLICT (topic) DO UPDATE SET stored = stored + excluded.stored, unread = unread + excluded.unread
         RETURNING unread`,
      )
      .pluck(),
    findKey: db.prepare<[string], { fingerprint: string; accepted: string }>(
      'SELECT fingerprint, accepted FROM idempotency_keys WHERE key = ?',
    ),
    insertKey: db.prepare<[string, string, string, number]>(
      'INSERT INTO idempotency_keys (key, fingerprint, accepted, created_at) VALUES (?, ?, ?, ?)',
    ),
    // history
    prunedSeq: db.prepare<[string], number>('SELECT pruned_seq FROM topics WHERE topic = ?').pluck(),
    readSince: db.prepare<[string, number, number], NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    newestSeq: db.prepare<[string], number | null>('SELECT max(seq) FROM notifications WHERE topic = ?').pluck(),
    newestSeqsSince: db.prepare<[string, number, number], number>('SELECT seq FROM notifications WHERE topic = ? AND seq > ? ORDER BY seq DESC LIMIT ?').pluck(),
    readLatest: db.prepare<[string, number], NotificationRow>(
      `SELECT * FROM (SELECT ${COLUMNS} FROM notifications WHERE topic = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
    ),
    // inbox
    inboxPage: db.prepare<[string, number, number], NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE topic = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    unreadPage: db.prepare<[string, number, number], NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE topic = ? AND read = 0 AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    unreadCount: db.prepare<[string], number>('SELECT unread FROM topics WHERE topic = ?').pluck(),
    countRead: db.prepare<[number, string], number>('UPDATE topics SET unread = unread - ? WHERE topic = ? RETURNING unread').pluck(),
    markRead: db.prepare<[number, string]>('UPDATE notifications SET read = 1 WHERE seq = ? AND topic = ? AND read = 0'),
    markAllRead: db.prepare<[string]>('UPDATE notifications SET read = 1 WHERE topic = ? AND read = 0'),
    // retention
    topicsOverLimit: db.prepare<[number, string, number], string>(
      'SELECT topic FROM topics WHERE stored > ? AND topic > ? ORDER BY topic LIMIT ?',
    ).pluck(),
    limitBoundary: db.prepare<[string, number], number>(
      'SELECT seq FROM notifications WHERE topic = ? ORDER BY seq DESC LIMIT 1 OFFSET ?',
    ).pluck(),
    pruneBeyondLimit: db.prepare<[string, number, number], PrunedRow>(
      `DELETE FROM notifications WHERE seq IN (
         SELECT seq FROM notifications WHERE topic = ? AND seq <= ? AND read IS NOT 0 ORDER BY seq LIMIT ?
       ) RETURNING seq, topic`,
    ),
    oldestFrom: db.prepare<[number], { seq: number; created_at: number }>(
      'SELECT seq, created_at FROM notifications WHERE seq >= ? ORDER BY seq LIMIT 1',
    ),
    pruneExpired: db.prepare<[number, number, number], PrunedRow>(
      'DELETE FROM notifications WHERE seq >= ? AND seq < ? AND created_at < ? AND read IS NOT 0 RETURNING seq, topic',
    ),
    notePruned: db.prepare<[number, number, string]>(
      'UPDATE topics SET stored = stored - ?, pruned_seq = max(pruned_seq, ?) WHERE topic = ?',
    ),
    pruneKeys: db.prepare<[number, number]>(
      'DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE created_at < ? LIMIT ?)',
    ),
  };
}

export type SqliteStatements = ReturnType<typeof prepareSqliteStatements>;

/** A stored row as clients see it, under the store's epoch. */
export function toNotification(row: NotificationRow, epoch: string): Notification {
  return {
    id: formatNotificationId(epoch, row.seq),
    topic: row.topic,
    type: row.type,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export const toInboxItem = (row: NotificationRow, epoch: string): InboxItem =>
  Object.assign(toNotification(row, epoch), { read: row.read === 1 });
