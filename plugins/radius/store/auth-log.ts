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

/** Bytes of JSON kept for the database (about 60,000 entries); past this, entries are counted as lost. */
const MAX_BYTES = 16 * 1024 * 1024
/** JSON text per INSERT: a statement's text stays a young-generation string and builds quickly. */
const STATEMENT_BYTES = 60 * 1024

/**
 * Entries go straight into a byte buffer as JSON, one after another, between the periodic flushes:
 * kept as objects for the two seconds until a flush, thousands a second of them (a restricted accept
 * is an everyday answer) were copied into the old generation and made its collections longer.
 */
export class AuthLogWriter {
  private bytes = Buffer.allocUnsafe(256 * 1024)
  private length = 0
  /** Offsets where a statement's worth of entries ends (the last one runs to `length`). */
  private cuts: number[] = []
  private cutFrom = 0
  /** Entries dropped because the database could not keep up. */
  lost = 0

  constructor(private readonly sql: Sql) {}

  add(entry: AuthLogEntry): void {
    const json = JSON.stringify(entry)
    const size = Buffer.byteLength(json) + 1
    if (this.length + size > MAX_BYTES) {
      this.lost++
      return
    }
    if (this.length + size > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.min(MAX_BYTES, Math.max(this.bytes.length * 2, this.length + size)))
      this.bytes.copy(bigger, 0, 0, this.length)
      this.bytes = bigger
    }
    if (this.length - this.cutFrom + size > STATEMENT_BYTES && this.length > this.cutFrom) {
      this.cuts.push(this.length)
      this.cutFrom = this.length
    }
    this.length += this.bytes.write(json, this.length)
    this.bytes[this.length++] = 0x2c // ','
  }

  /** Writes what is buffered; entries added meanwhile wait for the next flush. */
  async flush(): Promise<void> {
    const end = this.length
    const cuts = [...this.cuts, end]
    let from = 0
    try {
      for (const cut of cuts) {
        if (cut <= from) continue
        // Without the trailing comma, as a JSON array.
        const json = `[${this.bytes.toString('utf8', from, cut - 1)}]`
        await this.sql`
          insert into radius_auth_log (at, nas_id, user_name, service_id, customer_id, outcome, reason,
            detail, method, calling_station_id)
          select * from jsonb_to_recordset(${json}::jsonb) as x(at timestamptz, nas_id int,
            user_name text, service_id int, customer_id int, outcome text, reason text, detail text,
            method text, calling_station_id text)`
        from = cut
      }
    } finally {
      // What was written is dropped; what failed and what came meanwhile move to the front.
      this.bytes.copy(this.bytes, 0, from, this.length)
      this.length -= from
      this.cuts = this.cuts.filter((c) => c > from).map((c) => c - from)
      this.cutFrom = Math.max(0, this.cutFrom - from)
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
