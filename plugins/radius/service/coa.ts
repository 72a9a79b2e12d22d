/**
 * CoA and Disconnect-Request to the NAS of online sessions, each recorded in radius_coa_requests with
 * the NAS's answer. A (source key, session) pair is sent until it gets an ACK or NAK (or is given up
 * as failed), so an event handled twice, or retried after a timeout, never sends twice what was
 * already answered.
 */
import type { Sql } from 'postgres'
import type { NamedAttribute } from '../protocol/dictionary.ts'
import type { CoaClient, CoaResult } from '../server/coa-client.ts'
import type { KnownNas } from '../store/nas-directory.ts'

export interface CoaDeps {
  sql: Sql
  client: CoaClient
  nas: (id: number) => KnownNas | undefined
  now: () => Date
}

export type CoaAction =
  | { kind: 'disconnect' }
  /** New rate limit; NASes other than MikroTik get a Disconnect instead (they re-authenticate with it). */
  | { kind: 'rate-limit'; rateLimit: string }

interface OnlineSession {
  id: number
  nasId: number
  acctSessionId: string
  userName: string
  framedIpAddress: string | null
  serviceId: number | null
}

export interface CoaOutcome {
  sessionId: number
  kind: 'coa' | 'disconnect'
  /** failed: no answer after every round of retries (see `giveUpAfterAttempts`); never sent again. */
  status: 'ack' | 'nak' | 'timeout' | 'failed' | 'no-nas'
  attempts: number
  errorCause?: number
}

export async function onlineSessions(
  sql: Sql,
  by: { serviceIds?: number[]; customerIds?: number[]; sessionIds?: number[]; planIds?: number[] },
): Promise<OnlineSession[]> {
  return sql<OnlineSession[]>`
    select id::int as id, nas_id as "nasId", acct_session_id as "acctSessionId", user_name as "userName",
      framed_ip_address as "framedIpAddress", service_id as "serviceId"
    from radius_sessions
    where stopped_at is null and (
      service_id = any(${by.serviceIds ?? []}::int[]) or customer_id = any(${by.customerIds ?? []}::int[])
      or id = any(${by.sessionIds ?? []}::bigint[])
      or service_id in (select id from services where plan_id = any(${by.planIds ?? []}::int[])))
    order by id`
}

function identify(s: OnlineSession): NamedAttribute[] {
  const out: NamedAttribute[] = [
    { name: 'User-Name', value: s.userName },
    { name: 'Acct-Session-Id', value: s.acctSessionId },
  ]
  if (s.framedIpAddress) out.push({ name: 'Framed-IP-Address', value: s.framedIpAddress })
  return out
}

const FINAL = new Set(['ack', 'nak', 'failed'])

/**
 * Sends `action` to every session (once per source key), records the answers, returns them. With
 * `giveUpAfterAttempts`, a request still unanswered after that many packets in all is marked failed.
 */
export async function sendToSessions(
  deps: CoaDeps,
  sessions: OnlineSession[],
  action: CoaAction,
  sourceKey: string,
  cause: string,
  options: { giveUpAfterAttempts?: number } = {},
): Promise<CoaOutcome[]> {
  const outcomes: CoaOutcome[] = []
  for (const session of sessions) {
    const nas = deps.nas(session.nasId)
    const coa = action.kind === 'rate-limit' && nas?.type === 'mikrotik'
    const kind = coa ? 'coa' : 'disconnect'
    const attributes = identify(session)
    if (coa && action.kind === 'rate-limit')
      attributes.push({ name: 'Mikrotik-Rate-Limit', value: action.rateLimit })
    const [row] = await deps.sql<{ id: number; status: string; attempts: number }[]>`
      insert into radius_coa_requests (source_key, session_id, nas_id, kind, cause, attributes, created_at)
      values (${sourceKey}, ${session.id}, ${session.nasId}, ${kind}, ${cause},
        ${JSON.stringify(attributes)}::jsonb, ${deps.now().toISOString()}::timestamptz)
      on conflict (source_key, session_id) do update set source_key = excluded.source_key
      returning id::int as id, status, attempts`
    if (!row) continue
    if (FINAL.has(row.status)) {
      const status = row.status as 'ack' | 'nak' | 'failed'
      outcomes.push({ sessionId: session.id, kind, status, attempts: row.attempts })
      continue
    }
    if (!nas) {
      outcomes.push({ sessionId: session.id, kind, status: 'no-nas', attempts: row.attempts })
      continue
    }
    const target = { address: nas.address, port: nas.coaPort, secret: nas.secret }
    let result: CoaResult
    try {
      result = coa
        ? await deps.client.changeAuthorization(target, attributes)
        : await deps.client.disconnect(target, attributes)
    } catch {
      result = { kind: 'timeout', attempts: 0 }
    }
    const errorCause = result.kind === 'nak' ? (result.errorCause ?? null) : null
    const attempts = row.attempts + result.attempts
    const limit = options.giveUpAfterAttempts
    const status =
      result.kind === 'timeout' && limit !== undefined && attempts >= limit ? 'failed' : result.kind
    await deps.sql`
      update radius_coa_requests set status = ${status}, attempts = attempts + ${result.attempts},
        error_cause = ${errorCause}, completed_at = ${status === 'timeout' ? null : deps.now().toISOString()}::timestamptz
      where id = ${row.id}`
    outcomes.push({
      sessionId: session.id,
      kind,
      status,
      attempts,
      ...(errorCause !== null ? { errorCause } : {}),
    })
  }
  return outcomes
}
