/**
 * Fair-usage 'speed' windows: when a plan's window opens or closes, its online sessions (those not
 * capped) get a CoA with the window's Mikrotik-Rate-Limit or back to the plan's own. The window each
 * plan was last switched to is kept in radius_plan_windows, so every node and every run agree on what
 * already happened; Access-Accepts inside a window carry its rate (store/subscriber-index.ts).
 */
import type { Sql } from 'postgres'
import type { PluginContext } from '../../../core/plugin-api.ts'
import { type CoaOutcome, onlineSessions, sendToSessions } from '../service/coa.ts'
import type { RadiusState } from '../state.ts'
import { loadPlanEntry } from '../store/subscriber-index.ts'
import { activeRule, windowRateLimit } from './fair-usage.ts'

export interface WindowSwitch {
  planId: number
  /** The rule now in force; '' for the plan's own speed. */
  rule: string
  rateLimit: string | null
}

export async function applySpeedWindows(
  ctx: PluginContext,
  radius: RadiusState,
): Promise<{ switched: WindowSwitch[]; coa: CoaOutcome[] }> {
  const sql = ctx.sql as Sql
  const now = ctx.clock.now()
  const plans = await sql<{ id: number; rule: string | null }[]>`
    select p.id, w.rule from plans p left join radius_plan_windows w on w.plan_id = p.id
    where p.type = 'internet' and (p.fair_usage @> '[{"kind": "speed"}]'::jsonb or w.rule <> '')
    order by p.id`
  const switched: WindowSwitch[] = []
  const coa: CoaOutcome[] = []
  for (const p of plans) {
    const plan = await loadPlanEntry(sql, p.id)
    if (!plan) continue
    const rule = activeRule(plan.fairUsage, 'speed', now.getTime(), ctx.config.TIME_ZONE)
    const name = rule?.name ?? ''
    if (name === (p.rule ?? '')) continue
    await sql`
      insert into radius_plan_windows (plan_id, rule, since) values (${p.id}, ${name}, ${now.toISOString()}::timestamptz)
      on conflict (plan_id) do update set rule = excluded.rule, since = excluded.since`
    const rateLimit = rule ? windowRateLimit(rule, plan) : plan.rateLimit
    switched.push({ planId: p.id, rule: name, rateLimit })
    if (!rateLimit) continue
    // Capped sessions keep their reduced rate (or the restricted pool).
    const capped = await sql<{ serviceId: number }[]>`
      select service_id as "serviceId" from radius_cap_state
      where capped_at is not null and service_id in (select id from services where plan_id = ${p.id})`
    const cappedIds = new Set(capped.map((c) => c.serviceId))
    const sessions = (await onlineSessions(sql, { planIds: [p.id] })).filter(
      (s) => !cappedIds.has(s.serviceId ?? -1),
    )
    if (sessions.length === 0) continue
    const key = `fair_usage:${p.id}:${name || 'plan'}:${now.getTime()}`
    coa.push(
      ...(await radius.withCoa(ctx, (deps) =>
        sendToSessions(deps, sessions, { kind: 'rate-limit', rateLimit }, key, 'fair_usage'),
      )),
    )
  }
  return { switched, coa }
}
