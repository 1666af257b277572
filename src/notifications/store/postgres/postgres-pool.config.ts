import type pg from 'pg';

export interface PostgresDeadlines {
  /** Deadline of one connection attempt, statement, lock wait or idle transaction (STORE_TIMEOUT_MS). */
  timeoutMs: number;
  poolSize: number;
  /** Schema every pooled connection reads and writes; default: the role's search_path. */
  schema?: string;
}

/** Kernel probes start this soon on a quiet connection, so a peer that vanished without a reset is noticed. */
const KEEPALIVE_DELAY_MS = 1000;

/**
 * Pool settings under which no call to PostgreSQL waits longer than `timeoutMs`: the server
 * cancels a slow statement or lock wait, and the client gives up on an answer that never comes
 * (a stalled network, where the server's own deadlines cannot reach it). The server also ends a
 * session idle for twice `timeoutMs`, which no session in use here ever is (a batch keeps its
 * connection idle for at most `timeoutMs`, see HeldBatch; the pool retires idle connections after
 * `timeoutMs`): a session this instance lost to the network cannot keep its topic locks for
 * good. idle_session_timeout needs PostgreSQL 14 or later.
 */
export function postgresPoolConfig(databaseUrl: string, { timeoutMs, poolSize, schema }: PostgresDeadlines): pg.PoolConfig {
  const startup = [`-c idle_session_timeout=${2 * timeoutMs}`];
  if (schema) startup.push(`-c search_path=${schema}`);
  return {
    connectionString: databaseUrl,
    max: poolSize,
    // Also bounds the wait for a free pooled connection.
    connectionTimeoutMillis: timeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: timeoutMs,
    options: startup.join(' '),
  };
}
