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

/** A row of an inbox page. */
export interface InboxRow extends NotificationRow {
  read: number;
  seen: number;
  archived: number;
}

/** Named parameters of an inbox page; flags as 0 or 1. */
export interface InboxPageParams {
  topic: string;
  before: number;
  archived: number;
  unseen: number;
  /** JSON array of the types to keep, or null for every type. */
  types: string | null;
  limit: number;
}

/** Named parameters of a mark: each flag 0, 1, or null to keep it; `seqs` a JSON array (by ids only). */
export interface MarkParams {
  topic: string;
  seen: number | null;
  read: number | null;
  archived: number | null;
  seqs?: string;
}

/** Counts a mark changes; each delta is the count after minus before. */
export interface MarkTally {
  updated: number;
  unread: number;
  unseen: number;
}

/** A user's counts on their topic's row. */
export interface CountsRow {
  unread: number;
  unseen: number;
}

/** A row retention deleted. */
export interface PrunedRow {
  seq: number;
  topic: string;
}

const COLUMNS = 'seq, topic, type, payload, created_at, read';
const INBOX_COLUMNS = `${COLUMNS}, seen, archived`;

/** What an inbox page keeps besides its topic (an unseen entry is unread too, so `unseen` pages use the unread index). */
const INBOX_FILTER = `seq < @before AND archived = @archived AND (@unseen = 0 OR seen = 0)
  AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))`;

/**
 * The inbox entries a mark selects whose flags it changes, with their flags before (`was_`) and
 * after it, by the rules of NotificationStore.mark (the same as flagsAfter's).
 */
const markedEntries = (selection: string): string => `
  SELECT seq, was_seen, was_read, was_archived, max(read, asked_seen) AS seen, read, archived FROM (
    SELECT seq, seen AS was_seen, read AS was_read, archived AS was_archived,
           coalesce(@read, CASE WHEN @seen = 0 THEN 0 ELSE read END) AS read,
           coalesce(@seen, seen) AS asked_seen,
           coalesce(@archived, archived) AS archived
    FROM notifications WHERE topic = @topic AND read IS NOT NULL ${selection}
  ) WHERE (max(read, asked_seen), read, archived) IS NOT (was_seen, was_read, was_archived)`;
const BY_IDS = 'AND seq IN (SELECT value FROM json_each(@seqs))';

const tallyMark = (selection: string): string => `
  SELECT count(*) AS updated,
         coalesce(sum((read = 0 AND archived = 0) - (was_read = 0 AND was_archived = 0)), 0) AS unread,
         coalesce(sum((seen = 0 AND archived = 0) - (was_seen = 0 AND was_archived = 0)), 0) AS unseen
  FROM (${markedEntries(selection)})`;
const applyMark = (selection: string): string => `
  UPDATE notifications SET seen = marked.seen, read = marked.read, archived = marked.archived
  FROM (${markedEntries(selection)}) AS marked WHERE notifications.seq = marked.seq`;

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
    countInbox: db.prepare<[string, number, number, number], CountsRow>(
      `INSERT INTO topics (topic, stored, unread, unseen) VALUES (?, ?, ?, ?)
       ON CONFLICT (topic) DO UPDATE SET stored = stored + excluded.stored, unread = unread + excluded.unread, unseen = unseen + excluded.unseen
       RETURNING unread, unseen`,
    ),
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
    inboxPage: db.prepare<[InboxPageParams], InboxRow>(
      `SELECT ${INBOX_COLUMNS} FROM notifications WHERE topic = @topic AND ${INBOX_FILTER} ORDER BY seq DESC LIMIT @limit`,
    ),
    unreadPage: db.prepare<[InboxPageParams], InboxRow>(
      `SELECT ${INBOX_COLUMNS} FROM notifications WHERE topic = @topic AND read = 0 AND ${INBOX_FILTER} ORDER BY seq DESC LIMIT @limit`,
    ),
    counts: db.prepare<[string], CountsRow>('SELECT unread, unseen FROM topics WHERE topic = ?'),
    addCounts: db.prepare<[number, number, string], CountsRow>(
      'UPDATE topics SET unread = unread + ?, unseen = unseen + ? WHERE topic = ? RETURNING unread, unseen',
    ),
    tallyMarkIds: db.prepare<[MarkParams], MarkTally>(tallyMark(BY_IDS)),
    tallyMarkAll: db.prepare<[MarkParams], MarkTally>(tallyMark('')),
    markIds: db.prepare<[MarkParams]>(applyMark(BY_IDS)),
    markAll: db.prepare<[MarkParams]>(applyMark('')),
    deleteEntry: db.prepare<[number, string], InboxRow>(
      `DELETE FROM notifications WHERE seq = ? AND topic = ? AND read IS NOT NULL RETURNING ${INBOX_COLUMNS}`,
    ),
    noteDeleted: db.prepare<[number, number, string], CountsRow>(
      'UPDATE topics SET stored = stored - 1, unread = unread - ?, unseen = unseen - ? WHERE topic = ? RETURNING unread, unseen',
    ),
    // retention
    topicsOverLimit: db.prepare<[number, string, number], string>(
      'SELECT topic FROM topics WHERE stored > ? AND topic > ? ORDER BY topic LIMIT ?',
    ).pluck(),
    limitBoundary: db.prepare<[string, number], number>(
      'SELECT seq FROM notifications WHERE topic = ? ORDER BY seq DESC LIMIT 1 OFFSET ?',
    ).pluck(),
    pruneBeyondLimit: db.prepare<[string, number, number], PrunedRow>(
      `DELETE FROM notifications WHERE seq IN (
         SELECT seq FROM notifications WHERE topic = ? AND seq <= ? AND NOT (read IS 0 AND archived = 0) ORDER BY seq LIMIT ?
       ) RETURNING seq, topic`,
    ),
    oldestFrom: db.prepare<[number], { seq: number; created_at: number }>(
      'SELECT seq, created_at FROM notifications WHERE seq >= ? ORDER BY seq LIMIT 1',
    ),
    pruneExpired: db.prepare<[number, number, number], PrunedRow>(
      'DELETE FROM notifications WHERE seq >= ? AND seq < ? AND created_at < ? AND NOT (read IS 0 AND archived = 0) RETURNING seq, topic',
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

export const toInboxItem = (row: InboxRow, epoch: string): InboxItem =>
  Object.assign(toNotification(row, epoch), { seen: row.seen === 1, read: row.read === 1, archived: row.archived === 1 });
