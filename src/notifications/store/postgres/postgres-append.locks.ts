import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';

/** Beyond this many topics, one append takes the store-wide lock instead of a lock per topic. */
export const MAX_TOPIC_LOCKS = 64;

/** A signed 64-bit advisory lock key (decimal, as pg takes a bigint) for a name within a namespace. */
export function advisoryLockKey(namespace: string, name: string): string {
  return createHash('sha256').update(`${namespace}\0${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * The session-level advisory locks that order appends across instances. An append holds the
 * locks of its topics from before it draws seqs until its onCommitted hook has run, so per
 * topic, seqs are drawn, committed and published in one order on every instance. Locks are
 * taken in key order, which rules out deadlocks. Every append also holds a shared store-wide
 * lock, which an append to more than MAX_TOPIC_LOCKS topics takes exclusively instead of one
 * lock per topic, so a fan-out to thousands of users does not fill Postgres' lock table.
 */
export class AppendLocks {
  private readonly storeKey: string;

  /** `namespace` keeps stores in different schemas of one database from serializing each other. */
  constructor(private readonly namespace: string) {
    this.storeKey = advisoryLockKey(namespace, 'appends');
  }

  /**
   * Waits until this session holds the locks of every topic in `topics`, then draws `count` seqs,
   * ascending, in the same round trip: a seq is drawn while projecting a row of the join, which
   * needs the (outer, always scanned) lock row first.
   */
  async acquireAndDraw(client: PoolClient, topics: Iterable<string>, count: number): Promise<number[]> {
    const { rows } = await client.query<{ seq: string | null }>({
      name: 'append-lock-and-draw',
      text: `SELECT CASE WHEN n IS NOT NULL THEN nextval('notification_seq') END AS seq
             FROM (SELECT lock_topics($1::bigint, $2::bigint[])) AS locked LEFT JOIN generate_series(1, $3::int) AS n ON true`,
      values: [this.storeKey, this.topicKeys(topics), count],
    });
    return rows.flatMap(({ seq }) => (seq === null ? [] : [Number(seq)])).sort((a, b) => a - b);
  }

  /** Releases every advisory lock this session holds. */
  async release(client: PoolClient): Promise<void> {
    await client.query('SELECT pg_advisory_unlock_all()');
  }

  /** Distinct topic keys in ascending order, or null when there are too many to lock one by one. */
  private topicKeys(topics: Iterable<string>): string[] | null {
    const keys = [...new Set(Array.from(topics, (topic) => advisoryLockKey(this.namespace, `topic:${topic}`)))];
    if (keys.length > MAX_TOPIC_LOCKS) return null;
    return keys.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  }
}
