/**
 * Buying a top-up of the plan for the current period: more MB against the cap, a one-off charge the
 * next invoice picks up (pending_charges, source key topup:<service>:<period start>:<n>), audited; the
 * cap is checked again at once, so a capped service gets its normal rate back (or leaves the
 * restricted pool) right away.
 */
import { sql as dsql } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import type { Sql } from 'postgres'
import {
  auditContext,
  NotFoundError,
  type PluginContext,
  recordAudit,
  rows,
  StateError,
  ValidationError,
} from '../../../core/plugin-api.ts'
import type { CoaOutcome } from '../service/coa.ts'
import type { RadiusState } from '../state.ts'
import { checkCaps } from './check.ts'

interface TopUpOption {
  name: string
  mb: number
  price: string
}

export interface TopUpResult {
  serviceId: number
  periodStart: string
  name: string
  mb: number
  price: string
  topUpMb: number
  topUpCount: number
  sourceKey: string
  capped: boolean
  coa: CoaOutcome[]
}

export async function buyTopUp(
  ctx: PluginContext,
  radius: RadiusState,
  request: FastifyRequest,
  serviceId: number,
  option: number,
): Promise<TopUpResult> {
  const sql = ctx.sql as Sql
  const partnerIds = request.admin?.partnerIds ?? null
  const [service] = await sql<
    { customerId: number; capMb: string | null; topUps: TopUpOption[]; taxRateId: number | null }[]
  >`
    select s.customer_id as "customerId", p.cap_mb::text as "capMb", p.top_ups as "topUps",
      p.tax_rate_id as "taxRateId"
    from services s join customers c on c.id = s.customer_id join plans p on p.id = s.plan_id
    where s.id = ${serviceId} and s.type = 'internet'
      and ${partnerIds === null ? sql`true` : sql`c.partner_id = any(${partnerIds}::int[])`}`
  if (!service) throw new NotFoundError('Service', serviceId)
  if (service.capMb === null) throw new StateError('The plan of this service has no data cap')
  const choice = service.topUps[option]
  if (!choice)
    throw new ValidationError([{ field: 'option', message: `the plan has no top-up number ${option}` }])

  // Brings the state row to the current period first (a new period resets the top-ups).
  await checkCaps(ctx, radius, [serviceId])
  const audit = auditContext(request)
  const today = ctx.clock.today().toString()
  const bought = await ctx.db.transaction(async (tx) => {
    const [row] = await rows<{ periodStart: string; topUpMb: number; topUpCount: number }>(
      tx,
      dsql`
        update radius_cap_state set top_up_mb = top_up_mb + ${choice.mb}, top_up_count = top_up_count + 1
        where service_id = ${serviceId}
        returning period_start::text as "periodStart", top_up_mb::int as "topUpMb", top_up_count as "topUpCount"`,
    )
    if (!row) throw new StateError('The data cap of this service is not tracked yet')
    const sourceKey = `topup:${serviceId}:${row.periodStart}:${row.topUpCount}`
    await tx.execute(dsql`
      insert into pending_charges (customer_id, service_id, description, charge_date, quantity, unit_price,
        tax_rate_id, source_key, created_by)
      values (${service.customerId}, ${serviceId}, ${`Data top-up: ${choice.name} (${choice.mb} MB)`},
        ${today}::date, 1, ${choice.price}::numeric, ${service.taxRateId}, ${sourceKey},
        ${audit.actor.type === 'admin' ? audit.actor.id : null})`)
    await recordAudit(tx, {
      actor: audit.actor,
      action: 'radius.topup.buy',
      entity: 'service',
      entityId: serviceId,
      after: {
        name: choice.name,
        mb: choice.mb,
        price: choice.price,
        sourceKey,
        periodStart: row.periodStart,
      },
      ip: audit.ip,
      at: audit.at,
    })
    return { ...row, sourceKey }
  })
  const check = await checkCaps(ctx, radius, [serviceId])
  const [state] = await sql<{ capped: boolean }[]>`
    select capped_at is not null as capped from radius_cap_state where service_id = ${serviceId}`
  return {
    serviceId,
    periodStart: bought.periodStart,
    name: choice.name,
    mb: choice.mb,
    price: choice.price,
    topUpMb: bought.topUpMb,
    topUpCount: bought.topUpCount,
    sourceKey: bought.sourceKey,
    capped: state?.capped ?? false,
    coa: check.coa,
  }
}
