/**
 * Re-sends stored CoA / Disconnect requests the NAS never answered (a kick, an event whose retries
 * ran out), each as one more round of the client's retransmissions, while the session is online. A
 * request still unanswered after SEND_ROUNDS rounds is marked failed and left alone. Cap and
 * fair-usage requests are re-sent by the caps job instead, so no request is sent twice at once.
 */
import type { Sql } from 'postgres'
import type { PluginContext } from '../../../core/plugin-api.ts'
import type { RadiusSettings } from '../settings.ts'
import type { RadiusState } from '../state.ts'
import { type CoaAction, type CoaOutcome, onlineSessions, sendToSessions } from './coa.ts'

/** The first send and the re-sends of this job, each 1 + `coa.retries` packets. */
export const SEND_ROUNDS = 3
/** A pending row this old was left by a process that stopped mid-send. */
const PENDING_STALE_MS = 5 * 60_000
const CAP_CAUSES = ['service.cap_reached', 'service.cap_lifted', 'fair_usage']

interface StoredRequest {
  sourceKey: string
  sessionId: number
  cause: string
  attributes: { name: string; value: string | number }[]
}

export async function retryStoredRequests(
  ctx: PluginContext,
  radius: RadiusState,
  limit = 500,
): Promise<CoaOutcome[]> {
  const sql = ctx.sql as Sql
  const staleBefore = new Date(ctx.clock.now().getTime() - PENDING_STALE_MS).toISOString()
  const rows = await sql<StoredRequest[]>`
    select r.source_key as "sourceKey", r.session_id::int as "sessionId", r.cause, r.attributes
    from radius_coa_requests r join radius_sessions s on s.id = r.session_id and s.stopped_at is null
    where (r.status = 'timeout' or (r.status = 'pending' and r.created_at < ${staleBefore}::timestamptz))
      and r.cause <> all(${CAP_CAUSES}::text[])
    order by r.id limit ${limit}`
  if (rows.length === 0) return []
  const settings = (await ctx.settings()) as unknown as RadiusSettings
  const giveUpAfterAttempts = SEND_ROUNDS * (1 + settings.coa.retries)
  return radius.withCoa(ctx, async (deps) => {
    const out: CoaOutcome[] = []
    for (const r of rows) {
      const sessions = await onlineSessions(sql, { sessionIds: [r.sessionId] })
      const rate = r.attributes.find((a) => a.name === 'Mikrotik-Rate-Limit')?.value
      const action: CoaAction =
        rate !== undefined ? { kind: 'rate-limit', rateLimit: String(rate) } : { kind: 'disconnect' }
      out.push(
        ...(await sendToSessions(deps, sessions, action, r.sourceKey, r.cause, { giveUpAfterAttempts })),
      )
    }
    return out
  })
}
