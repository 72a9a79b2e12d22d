/**
 * What the plugin's jobs do: close stale sessions, create accounting partitions ahead, prune logs.
 * Times go in as ISO text: drizzle's driver replaces the shared connection's Date serializer.
 */
import type { Sql } from 'postgres'

/** Sessions with no accounting for `staleSeconds` are closed at their last update (the NAS lost them). */
export async function closeStaleSessions(sql: Sql, now: Date, staleSeconds: number): Promise<number> {
  const cutoff = new Date(now.getTime() - staleSeconds * 1000)
  const [row] = await sql<{ n: number }[]>`
    with closed as (
      update radius_sessions set stopped_at = last_update_at, terminate_cause = 'Stale'
      where stopped_at is null and last_update_at < ${cutoff.toISOString()}::timestamptz
      returning 1)
    select count(*)::int as n from closed`
  return row?.n ?? 0
}

/** Monthly partitions of radius_accounting from this month to `monthsAhead` months ahead. */
export async function ensureAccountingPartitions(
  sql: Sql,
  today: string,
  monthsAhead: number,
): Promise<number> {
  const [row] = await sql<{ created: number }[]>`
    select radius_ensure_accounting_partitions(${today}::date, ${monthsAhead + 1}) as created`
  return row?.created ?? 0
}

export async function pruneLogs(
  sql: Sql,
  now: Date,
  authLogDays: number,
): Promise<{ authLog: number; changes: number }> {
  const authCutoff = new Date(now.getTime() - authLogDays * 86_400_000)
  const [auth] = await sql<{ n: number }[]>`
    with d as (delete from radius_auth_log where at < ${authCutoff.toISOString()}::timestamptz returning 1) select count(*)::int as n from d`
  // The change feed reads only the last seconds; a day is plenty for a node that was paused.
  const [changes] = await sql<{ n: number }[]>`
    with d as (delete from radius_changes where created_at < now() - interval '1 day' returning 1)
    select count(*)::int as n from d`
  return { authLog: auth?.n ?? 0, changes: changes?.n ?? 0 }
}
