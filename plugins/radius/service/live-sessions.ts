/**
 * What the online-sessions page watches over the panel's WebSocket: how many sessions are online and
 * a version that changes whenever one starts, stops or gets an update. The page re-fetches its rows
 * (with its own search and page) when the version moves, so the pushed value stays small whatever the
 * number of sessions.
 */
import type { Sql } from 'postgres'

export const SESSIONS_TOPIC = 'radius.sessions'

export interface OnlineSummary {
  online: number
  /** Opaque; equal values mean the same set of online sessions with the same last updates. */
  version: string
}

export async function onlineSummary(sql: Sql, partnerIds: number[] | null): Promise<OnlineSummary> {
  const [row] = await sql<
    { online: number; ids: string | null; octets: string | null; last: string | null }[]
  >`
    select count(*)::int as online, sum(s.id)::text as ids,
      sum(s.input_octets + s.output_octets)::text as octets,
      (extract(epoch from max(s.last_update_at)) * 1000)::bigint::text as last
    from radius_sessions s
      ${partnerIds === null ? sql`` : sql`join customers c on c.id = s.customer_id`}
    where s.stopped_at is null
      and ${partnerIds === null ? sql`true` : sql`c.partner_id = any(${partnerIds}::int[])`}`
  const online = row?.online ?? 0
  return { online, version: `${online}:${row?.ids ?? 0}:${row?.last ?? 0}:${row?.octets ?? 0}` }
}
