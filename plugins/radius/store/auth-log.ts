/**
 * The auth log: every Access-Reject and restricted accept with its reason, buffered in memory and
 * written in batches off the request path (an Access-Request never waits for this insert).
 */
import type { Sql } from 'postgres'
import { subscriberAuthorizer } from '../server/subscriber-authorizer.ts'
import type { ReplyPolicy } from '../server/policy.ts'
import type { AccessRequest, Authorizer, Decision } from '../server/types.ts'
import { blockDetail, type SubscriberIndex } from './subscriber-index.ts'

export const REASON_NAMES = [
  'not-found',
  'blocked',
  'negative-balance',
  'wrong-mac',
  'wrong-password',
] as const

export interface AuthLogEntry {
  at: string
  nas_id: number | null
  user_name: string
  service_id: number | null
  customer_id: number | null
  outcome: 'reject' | 'restricted'
  reason: string
  detail: string | null
  method: string
  calling_station_id: string | null
}

const MAX_BUFFER = 50_000

export class AuthLogWriter {
  private buffer: AuthLogEntry[] = []
  /** Entries dropped because the database could not keep up. */
  lost = 0

  constructor(private readonly sql: Sql) {}

  add(entry: AuthLogEntry): void {
    if (this.buffer.length >= MAX_BUFFER) {
      this.lost++
      return
    }
    this.buffer.push(entry)
  }

  async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      // Small statements: building one is a stall for the Access-Requests behind it.
      const batch = this.buffer.splice(0, 500)
      try {
        await this.sql`
          insert into radius_auth_log (at, nas_id, user_name, service_id, customer_id, outcome, reason,
            detail, method, calling_station_id)
          select * from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as x(at timestamptz, nas_id int,
            user_name text, service_id int, customer_id int, outcome text, reason text, detail text,
            method text, calling_station_id text)`
      } catch (error) {
        this.buffer.unshift(...batch.slice(0, MAX_BUFFER - this.buffer.length))
        throw error
      }
    }
  }
}

/** What the NAS will actually get for a decision, as buildAccessReply decides it. */
function outcomeOf(
  decision: Decision,
  request: AccessRequest,
  policy: ReplyPolicy,
): 'accept' | 'reject' | 'restricted' {
  if (decision.kind === 'accept') return 'accept'
  if (decision.kind === 'reject') return 'reject'
  const msChap = request.method === 'mschap' || request.method === 'mschapv2'
  const pool = policy.rejectPool
  if (
    (msChap && !decision.proof) ||
    !pool.enabled ||
    (decision.reason === 0 && pool.rejectUnknownUsers) ||
    (decision.reason === 4 && pool.rejectWrongPassword)
  )
    return 'reject'
  return 'restricted'
}

/** The subscriber authorizer over the in-memory index, logging every reject and restriction. */
export function loggingAuthorizer(
  index: SubscriberIndex,
  log: AuthLogWriter,
  policy: () => ReplyPolicy,
  now: () => number,
): Authorizer {
  const authorize = subscriberAuthorizer(index)
  const logged = (request: AccessRequest, decision: Decision): Decision => {
    const outcome = outcomeOf(decision, request, policy())
    if (outcome === 'accept') return decision
    const entry = index.lookup(request.userName)
    let reason = 'rejected'
    let detail: string | null = decision.kind === 'reject' ? (decision.replyMessage ?? null) : null
    if (decision.kind === 'restrict') {
      reason = REASON_NAMES[decision.reason]
      if (decision.reason === 0 && entry && entry.nasId !== null)
        detail = `service is bound to NAS ${entry.nasId}`
      if (decision.reason === 1 && entry) detail = blockDetail(entry)
      if (decision.reason === 3 && entry)
        detail = `bound to ${entry.mac}, got ${request.callingStationId ?? 'none'}`
    }
    if (request.method === 'none' && decision.kind === 'restrict' && decision.reason === 4)
      detail = 'no password sent'
    log.add({
      at: new Date(now()).toISOString(),
      nas_id: Number(request.nas.id),
      user_name: request.userName,
      service_id: entry?.serviceId ?? null,
      customer_id: entry?.customerId ?? null,
      outcome,
      reason,
      detail,
      method: request.method,
      calling_station_id: request.callingStationId ?? null,
    })
    return decision
  }
  return (request) => {
    const decision = authorize(request)
    return decision instanceof Promise ? decision.then((d) => logged(request, d)) : logged(request, decision)
  }
}
