import type pg from 'pg';

/** Advisory locks held by the PostgreSQL server sessions whose client ports are `ports` (a proxy's upstream side). */
export async function advisoryLocksHeldBy(admin: pg.Client, ports: number[]): Promise<number> {
  const { rows } = await admin.query<{ held: number }>(
    `SELECT count(*)::int AS held FROM pg_locks l JOIN pg_stat_activity a USING (pid)
     WHERE l.locktype = 'advisory' AND l.granted AND a.client_port = ANY($1::int[])`,
    [ports],
  );
  return rows[0].held;
}
