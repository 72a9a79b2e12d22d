/**
 * Data caps: per service and billing period (the customer's billing day), the bytes of the daily usage
 * rollup in the plan's cap direction against capMb plus the top-ups bought in the period. Crossing the
 * cap marks the service capped (radius_cap_state) and emits service.cap_reached in one transaction;
 * the plan's cap action then goes to the NAS: a CoA with the reduced Mikrotik-Rate-Limit (reduce,
 * fixed_speed) or a Disconnect so the session comes back in the restricted pool, reason 2 (block).
 * Dropping below the cap again (a top-up, a larger cap) or a new period lifts it the same way.
 * The subscriber index learns the new state through radius_changes, so the next Access-Accept agrees.
 */
import { sql as dsql } from 'drizzle-orm'
import type { Sql } from 'postgres'
import { emit, type PluginContext, periodContaining } from '../../../core/plugin-api.ts'
import { type CoaAction, type CoaOutcome, onlineSessions, sendToSessions } from '../service/coa.ts'
import type { RadiusState } from '../state.ts'
import { loadPlanEntry, type PlanEntry } from '../store/subscriber-index.ts'

const MB = 1024n * 1024n

interface CapRow {
  serviceId: number
  customerId: number
  planId: number
  billingDay: number
  capMb: string | null
  capDirection: 'both' | 'download' | 'upload' | null
  capAction: string | null
  periodStart: string | null
  topUpMb: string | null
  cappedAt: Date | null
  cappedAction: string | null
  usedBytes: string | null
}

export interface CapTransition {
  serviceId: number
  customerId: number
  planId: number
  periodStart: string
  /** capped: the cap was reached; lifted: a top-up, a larger cap or a new period ended it. */
  kind: 'capped' | 'lifted'
  /** The cap action concerned (block, fixed_speed, reduce). */
  action: string
  usedBytes: bigint
}

export interface CapCheckResult {
  checked: number
  transitions: CapTransition[]
  coa: CoaOutcome[]
}

/** Bytes counted against the cap: input octets are the subscriber's upload, output their download. */
export function countedBytes(direction: string | null, input: bigint, output: bigint): bigint {
  if (direction === 'download') return output
  if (direction === 'upload') return input
  return input + output
}

function periodOf(today: string, billingDay: number): { start: string; end: string } {
  const p = periodContaining(today, billingDay)
  return { start: p.start.toString(), end: p.end.toString() }
}

async function capRows(sql: Sql, serviceIds?: number[]): Promise<CapRow[]> {
  return sql<CapRow[]>`
    select s.id as "serviceId", s.customer_id as "customerId", s.plan_id as "planId",
      c.billing_day as "billingDay", p.cap_mb::text as "capMb", p.cap_direction as "capDirection",
      p.cap_action as "capAction", cs.period_start::text as "periodStart", cs.top_up_mb::text as "topUpMb",
      cs.capped_at as "cappedAt", cs.cap_action as "cappedAction",
      cs.used_bytes::text as "usedBytes"
    from services s join customers c on c.id = s.customer_id join plans p on p.id = s.plan_id
      left join radius_cap_state cs on cs.service_id = s.id
    where s.type = 'internet' and s.login is not null
      and (p.cap_mb is not null or cs.capped_at is not null)
      and ${serviceIds === undefined ? sql`true` : sql`s.id = any(${serviceIds}::int[])`}
    order by s.id`
}

async function usageOf(
  sql: Sql,
  windows: { id: number; start: string; end: string }[],
): Promise<Map<number, { input: bigint; output: bigint }>> {
  if (windows.length === 0) return new Map()
  const rows = await sql<{ id: number; input: string; output: string }[]>`
    select u.service_id as id, sum(u.input_octets - u.free_input_octets)::text as input,
      sum(u.output_octets - u.free_output_octets)::text as output
    from radius_usage_daily u
      join unnest(${windows.map((w) => w.id)}::int[], ${windows.map((w) => w.start)}::text[],
        ${windows.map((w) => w.end)}::text[]) as w(id, s, e)
      on u.service_id = w.id and u.day between w.s::date and w.e::date
    group by u.service_id`
  return new Map(rows.map((r) => [r.id, { input: BigInt(r.input), output: BigInt(r.output) }]))
}

/** Writes the state of one service; a transition also tells the subscriber index and emits the event. */
async function saveState(
  ctx: PluginContext,
  row: CapRow,
  state: { periodStart: string; topUpMb: bigint; usedBytes: bigint; capped: boolean; wasCapped: boolean },
  transition: CapTransition | null,
): Promise<void> {
  const now = ctx.clock.now().toISOString()
  await ctx.db.transaction(async (tx) => {
    const newPeriod = row.periodStart !== state.periodStart
    await tx.execute(dsql`
      insert into radius_cap_state (service_id, period_start, top_up_mb, top_up_count, used_bytes, capped_at, cap_action, checked_at)
      values (${row.serviceId}, ${state.periodStart}::date, 0, 0, ${state.usedBytes.toString()}::bigint,
        ${state.capped ? now : null}::timestamptz, ${state.capped ? row.capAction : null}, ${now}::timestamptz)
      on conflict (service_id) do update set
        period_start = excluded.period_start,
        top_up_mb = case when ${newPeriod}::boolean then 0 else radius_cap_state.top_up_mb end,
        top_up_count = case when ${newPeriod}::boolean then 0 else radius_cap_state.top_up_count end,
        used_bytes = excluded.used_bytes,
        capped_at = case when ${state.capped && state.wasCapped}::boolean then radius_cap_state.capped_at else excluded.capped_at end,
        cap_action = case when ${state.capped && state.wasCapped}::boolean then radius_cap_state.cap_action else excluded.cap_action end,
        checked_at = excluded.checked_at`)
    if (!transition) return
    await tx.execute(dsql`insert into radius_changes (kind, ref_id) values ('service', ${row.serviceId})`)
    if (transition.kind === 'capped')
      await emit(tx, 'service.cap_reached', {
        serviceId: row.serviceId,
        customerId: row.customerId,
        planId: row.planId,
        periodStart: state.periodStart,
        capMb: row.capMb === null ? null : Number(row.capMb),
        topUpMb: Number(state.topUpMb),
        usedBytes: state.usedBytes.toString(),
        action: transition.action,
      })
  })
}

/** Key of the CoA requests of one transition: one per (service, period, what happened, when). */
export function capSourceKey(t: CapTransition, at: Date): string {
  return t.kind === 'capped'
    ? `cap:${t.serviceId}:${t.periodStart}`
    : `cap-lifted:${t.serviceId}:${t.periodStart}:${at.getTime()}`
}

/** What the NAS gets for a transition: the reduced or the normal rate by CoA, or a Disconnect (block). */
export function capCoaAction(t: CapTransition, plan: PlanEntry | null, windowRate: string | null): CoaAction {
  if (t.action === 'block' || !plan) return { kind: 'disconnect' }
  const rate = t.kind === 'capped' ? plan.cappedRateLimit : (windowRate ?? plan.rateLimit)
  return rate ? { kind: 'rate-limit', rateLimit: rate } : { kind: 'disconnect' }
}

/** Sends each transition to the online sessions of its service. */
export async function applyTransitions(
  ctx: PluginContext,
  radius: RadiusState,
  transitions: CapTransition[],
): Promise<CoaOutcome[]> {
  const out: CoaOutcome[] = []
  const at = ctx.clock.now()
  const sql = ctx.sql as Sql
  for (const t of transitions) {
    const sessions = await onlineSessions(sql, { serviceIds: [t.serviceId] })
    if (sessions.length === 0) continue
    const plan = await loadPlanEntry(sql, t.planId)
    const windowRate = plan ? (radius.runtime?.subscribers.windowRateLimit(plan) ?? null) : null
    const action = capCoaAction(t, plan, windowRate)
    const cause = t.kind === 'capped' ? 'service.cap_reached' : 'service.cap_lifted'
    out.push(
      ...(await radius.withCoa(ctx, (deps) =>
        sendToSessions(deps, sessions, action, capSourceKey(t, at), cause),
      )),
    )
  }
  return out
}

/**
 * Checks every capped plan's services (or just `serviceIds`) for the current period and applies what
 * changed. Safe to run at any time and on any node: state and CoA requests are keyed in the database.
 */
export async function checkCaps(
  ctx: PluginContext,
  radius: RadiusState,
  serviceIds?: number[],
): Promise<CapCheckResult> {
  const sql = ctx.sql as Sql
  const today = ctx.clock.today().toString()
  const rows = await capRows(sql, serviceIds)
  const periods = new Map(rows.map((r) => [r.serviceId, periodOf(today, r.billingDay)]))
  const usage = await usageOf(
    sql,
    rows.map((r) => ({ id: r.serviceId, ...periods.get(r.serviceId)! })),
  )
  const transitions: CapTransition[] = []
  for (const row of rows) {
    const period = periods.get(row.serviceId)!
    const samePeriod = row.periodStart === period.start
    const topUpMb = samePeriod && row.topUpMb !== null ? BigInt(row.topUpMb) : 0n
    const used = usage.get(row.serviceId) ?? { input: 0n, output: 0n }
    const usedBytes = countedBytes(row.capDirection, used.input, used.output)
    const capped =
      row.capMb !== null && row.capAction !== null && usedBytes >= (BigInt(row.capMb) + topUpMb) * MB
    const wasCapped = row.cappedAt !== null && samePeriod
    const base = {
      serviceId: row.serviceId,
      customerId: row.customerId,
      planId: row.planId,
      periodStart: period.start,
      usedBytes,
    }
    // A service capped in the last period and over the cap again at once only needs the cap's action.
    let transition: CapTransition | null = null
    if (capped && !wasCapped) transition = { ...base, kind: 'capped', action: row.capAction! }
    else if (row.cappedAt !== null && !capped)
      transition = { ...base, kind: 'lifted', action: row.cappedAction ?? 'reduce' }
    if (!transition && samePeriod && row.usedBytes === usedBytes.toString()) continue
    await saveState(
      ctx,
      row,
      { periodStart: period.start, topUpMb, usedBytes, capped, wasCapped },
      transition,
    )
    if (transition) transitions.push(transition)
  }
  if (transitions.length > 0) await radius.runtime?.refresh()
  const coa = await applyTransitions(ctx, radius, transitions)
  return { checked: rows.length, transitions, coa }
}

/** CoA / Disconnect requests of cap and fair-usage changes still without an answer: sent again. */
export async function retryUnanswered(ctx: PluginContext, radius: RadiusState): Promise<CoaOutcome[]> {
  const sql = ctx.sql as Sql
  const rows = await sql<
    {
      sourceKey: string
      sessionId: number
      cause: string
      kind: string
      attributes: { name: string; value: string }[]
    }[]
  >`
    select r.source_key as "sourceKey", r.session_id::int as "sessionId", r.cause, r.kind, r.attributes
    from radius_coa_requests r join radius_sessions s on s.id = r.session_id and s.stopped_at is null
    where r.status in ('pending', 'timeout') and r.cause in ('service.cap_reached', 'service.cap_lifted', 'fair_usage')
    order by r.id limit 500`
  const out: CoaOutcome[] = []
  for (const r of rows) {
    const sessions = await onlineSessions(sql, { sessionIds: [r.sessionId] })
    const rate = r.attributes.find((a) => a.name === 'Mikrotik-Rate-Limit')?.value
    const action: CoaAction = rate ? { kind: 'rate-limit', rateLimit: rate } : { kind: 'disconnect' }
    out.push(
      ...(await radius.withCoa(ctx, (deps) => sendToSessions(deps, sessions, action, r.sourceKey, r.cause))),
    )
  }
  return out
}
