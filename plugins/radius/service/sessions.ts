/** Session, auth-log and usage queries for the pages and the API. */
import type { Sql } from 'postgres'

// drizzle's driver makes the shared connection return timestamps as text.
const date = (v: Date | string) => (v instanceof Date ? v : new Date(v))
const dateOrNull = (v: Date | string | null) => (v === null ? null : date(v))
const sessionDates = (r: SessionView): SessionView => ({
  ...r,
  startedAt: date(r.startedAt),
  lastUpdateAt: date(r.lastUpdateAt),
  stoppedAt: dateOrNull(r.stoppedAt),
})

export interface SessionView {
  id: number
  nasId: number
  nasName: string | null
  acctSessionId: string
  userName: string
  serviceId: number | null
  customerId: number | null
  customerName: string | null
  framedIpAddress: string | null
  callingStationId: string | null
  nasPortId: string | null
  startedAt: Date
  lastUpdateAt: Date
  stoppedAt: Date | null
  sessionTime: number
  inputOctets: string
  outputOctets: string
  terminateCause: string | null
}

export interface SessionFilter {
  /** Matches login, IP, MAC, session id or customer name. */
  q?: string
  online?: boolean
  customerId?: number
  partnerIds: number[] | null
  limit: number
  offset: number
}

export async function listSessions(
  sql: Sql,
  f: SessionFilter,
): Promise<{ items: SessionView[]; total: number }> {
  const like = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null
  const where = sql`
    ${f.online === undefined ? sql`true` : f.online ? sql`s.stopped_at is null` : sql`s.stopped_at is not null`}
    and ${f.customerId === undefined ? sql`true` : sql`s.customer_id = ${f.customerId}`}
    and ${f.partnerIds === null ? sql`true` : sql`c.partner_id = any(${f.partnerIds}::int[])`}
    and ${
      like === null
        ? sql`true`
        : sql`(s.user_name ilike ${like} or s.framed_ip_address ilike ${like} or s.calling_station_id ilike ${like}
               or s.acct_session_id ilike ${like} or c.name ilike ${like})`
    }`
  const [items, [count]] = await Promise.all([
    sql<SessionView[]>`
      select s.id::int as id, s.nas_id as "nasId", n.name as "nasName", s.acct_session_id as "acctSessionId",
        s.user_name as "userName", s.service_id as "serviceId", s.customer_id as "customerId",
        c.name as "customerName", s.framed_ip_address as "framedIpAddress",
        s.calling_station_id as "callingStationId", s.nas_port_id as "nasPortId", s.started_at as "startedAt",
        s.last_update_at as "lastUpdateAt", s.stopped_at as "stoppedAt", s.session_time as "sessionTime",
        s.input_octets::text as "inputOctets", s.output_octets::text as "outputOctets",
        s.terminate_cause as "terminateCause"
      from radius_sessions s
        left join radius_nas n on n.id = s.nas_id
        left join customers c on c.id = s.customer_id
      where ${where}
      order by s.started_at desc, s.id desc
      limit ${f.limit} offset ${f.offset}`,
    sql<{ n: number }[]>`
      select count(*)::int as n from radius_sessions s left join customers c on c.id = s.customer_id
      where ${where}`,
  ])
  return { items: items.map(sessionDates), total: count?.n ?? 0 }
}

export async function getSession(
  sql: Sql,
  id: number,
  partnerIds: number[] | null,
): Promise<SessionView | null> {
  const [row] = await sql<SessionView[]>`
    select s.id::int as id, s.nas_id as "nasId", n.name as "nasName", s.acct_session_id as "acctSessionId",
      s.user_name as "userName", s.service_id as "serviceId", s.customer_id as "customerId",
      c.name as "customerName", s.framed_ip_address as "framedIpAddress",
      s.calling_station_id as "callingStationId", s.nas_port_id as "nasPortId", s.started_at as "startedAt",
      s.last_update_at as "lastUpdateAt", s.stopped_at as "stoppedAt", s.session_time as "sessionTime",
      s.input_octets::text as "inputOctets", s.output_octets::text as "outputOctets",
      s.terminate_cause as "terminateCause"
    from radius_sessions s
      left join radius_nas n on n.id = s.nas_id
      left join customers c on c.id = s.customer_id
    where s.id = ${id}
      and ${partnerIds === null ? sql`true` : sql`c.partner_id = any(${partnerIds}::int[])`}`
  return row ? sessionDates(row) : null
}

export interface AuthLogView {
  id: number
  at: Date
  nasId: number | null
  nasName: string | null
  userName: string
  serviceId: number | null
  customerId: number | null
  outcome: string
  reason: string
  detail: string | null
  method: string
  callingStationId: string | null
}

export async function listAuthLog(
  sql: Sql,
  f: {
    q?: string
    reason?: string
    customerId?: number
    partnerIds: number[] | null
    limit: number
    offset: number
  },
): Promise<{ items: AuthLogView[]; total: number }> {
  const like = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null
  const where = sql`
    ${like === null ? sql`true` : sql`(l.user_name ilike ${like} or l.calling_station_id ilike ${like})`}
    and ${f.reason ? sql`l.reason = ${f.reason}` : sql`true`}
    and ${f.customerId === undefined ? sql`true` : sql`l.customer_id = ${f.customerId}`}
    and ${
      f.partnerIds === null
        ? sql`true`
        : sql`(c.partner_id = any(${f.partnerIds}::int[]) or n.partner_id = any(${f.partnerIds}::int[]))`
    }`
  const [items, [count]] = await Promise.all([
    sql<AuthLogView[]>`
      select l.id::int as id, l.at, l.nas_id as "nasId", n.name as "nasName", l.user_name as "userName",
        l.service_id as "serviceId", l.customer_id as "customerId", l.outcome, l.reason, l.detail, l.method,
        l.calling_station_id as "callingStationId"
      from radius_auth_log l
        left join radius_nas n on n.id = l.nas_id
        left join customers c on c.id = l.customer_id
      where ${where}
      order by l.at desc, l.id desc
      limit ${f.limit} offset ${f.offset}`,
    sql<{ n: number }[]>`
      select count(*)::int as n from radius_auth_log l
        left join radius_nas n on n.id = l.nas_id left join customers c on c.id = l.customer_id
      where ${where}`,
  ])
  return { items: items.map((r) => ({ ...r, at: date(r.at) })), total: count?.n ?? 0 }
}

export interface UsageDay {
  day: string
  inputOctets: string
  outputOctets: string
}

/** Daily traffic of one service, oldest first. */
export async function serviceUsage(
  sql: Sql,
  serviceId: number,
  from: string,
  to: string,
): Promise<UsageDay[]> {
  return sql<UsageDay[]>`
    select day::text as day, input_octets::text as "inputOctets", output_octets::text as "outputOctets"
    from radius_usage_daily where service_id = ${serviceId} and day between ${from}::date and ${to}::date
    order by day`
}

/** The customer a page is about, or null when this admin may not see them. */
export async function visibleCustomer(
  sql: Sql,
  id: number,
  partnerIds: number[] | null,
): Promise<{ id: number; name: string } | null> {
  const [row] = await sql<{ id: number; name: string }[]>`
    select id, name from customers where id = ${id}
      and ${partnerIds === null ? sql`true` : sql`partner_id = any(${partnerIds}::int[])`}`
  return row ?? null
}

/** Daily traffic of all a customer's services, oldest first (for the customer tab's chart). */
export async function customerUsage(
  sql: Sql,
  customerId: number,
  from: string,
  to: string,
): Promise<UsageDay[]> {
  return sql<UsageDay[]>`
    select day::text as day, sum(input_octets)::text as "inputOctets", sum(output_octets)::text as "outputOctets"
    from radius_usage_daily where customer_id = ${customerId} and day between ${from}::date and ${to}::date
    group by day order by day`
}
