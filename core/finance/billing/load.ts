import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { addDays, formatDate, toDate } from '../../kernel/dates.ts'
import { dateArray, textArray } from '../../../db/arrays.ts'
import { keyIsLive } from './charge-keys.ts'
import type { BillingTerms, BillingTypeName, DisabledSpan, PendingChargeInfo, PlanChangeInfo, PlanInfo, ServiceInfo, ServiceState } from './charges.ts'

/**
 * Loads what the charge computation needs for a batch of customers in a handful of queries, and finds
 * the customers that owe anything on a run date with one query (the re-run that finds nothing due).
 */

export interface CustomerRowForBilling {
  id: number
  partnerId: number
  terms: BillingTerms
}

export interface BatchState {
  customers: CustomerRowForBilling[]
  services: Map<number, ServiceState[]>
  pending: Map<number, PendingChargeInfo[]>
}

/** Every plan (a small table), by id. */
export async function loadPlans(db: DbOrTx): Promise<Map<number, PlanInfo>> {
  const found = await rows<PlanInfo>(
    db,
    sql`select id, type, name, invoice_text as "invoiceText", price::text as price, tax_rate_id as "taxRateId",
          activation_fee::text as "activationFee", contract_months as "contractMonths",
          early_cancellation_fee::text as "earlyCancellationFee"
        from plans`,
  )
  return new Map(found.map((p) => [p.id, p]))
}

export interface CandidateFilter {
  runDate: string
  partnerId: number | null
  defaultType: BillingTypeName
  /** Only these customers (time travel, tests); null = all. */
  customerIds?: readonly number[] | null
  /** Only these billing types (the daily job bills prepaid_daily alone). */
  types?: readonly BillingTypeName[] | null
  /** Keyset paging: customers with a greater id. */
  afterId?: number
  /** The ISP's time zone: the day a status change (a timestamp) took effect. Default UTC. */
  timeZone?: string
  limit?: number
}

/**
 * Customers (active or blocked, billing enabled) that owe something on the run date: a service whose
 * billed-through day is before the day its billing type bills up to, a one-time service never billed,
 * an open pending charge, or a plan change on days already billed. A superset is fine (the computation
 * decides); an empty answer means nothing is due. Ordered by id.
 */
export async function dueCustomerIds(db: DbOrTx, f: CandidateFilter): Promise<number[]> {
  const run = toDate(f.runDate)
  const prev = run.subtract({ months: 1 })
  const partner = f.partnerId === null ? sql`true` : sql`c.partner_id = ${f.partnerId}`
  const only = f.customerIds ? sql`c.id = any(${sql.raw(`'{${f.customerIds.map(Number).join(',')}}'::int[]`)})` : sql`true`
  const types = f.types ? sql`coalesce(cb.type::text, ${f.defaultType}) = any(${sql.raw(`'{${f.types.join(',')}}'::text[]`)})` : sql`true`
  const found = await rows<{ id: number }>(
    db,
    sql`
    with cust as (
      select c.id, coalesce(cb.type::text, ${f.defaultType}) as type,
        case when ${run.day} >= c.billing_day then make_date(${run.year}, ${run.month}, c.billing_day)
             else make_date(${prev.year}, ${prev.month}, c.billing_day) end as ps
      from customers c
      left join customer_billing cb on cb.customer_id = c.id
      where c.status in ('active', 'blocked') and coalesce(cb.enabled, true) and ${partner} and ${only} and ${types}
        and c.id > ${f.afterId ?? 0}
    ), due as (
      select id, case type when 'recurring_postpaid' then ps - 1
                           when 'prepaid_daily' then ${f.runDate}::date
                           else (ps + interval '1 month')::date - 1 end as through
      from cust
    )
    select d.id from due d
    where exists (
        select 1 from services s left join service_billing b on b.service_id = s.id
        where s.customer_id = d.id
          and (s.status = 'active' or (s.status = 'stopped' and s.end_date is not null) or (s.status = 'disabled' and s.type <> 'one_time'))
          and case when s.type = 'one_time' then b.service_id is null and s.start_date <= ${f.runDate}::date
                   when coalesce(b.billed_through, s.start_date - 1) >= least(coalesce(s.end_date, d.through), d.through)
                        or s.start_date > d.through then false
                   when s.status = 'active' then true
                   -- Disabled (or stopped while disabled): billed up to the day before it was disabled; the
                   -- status history is read only for these few services, after the cheap test above.
                   else coalesce(b.billed_through, s.start_date - 1)
                          < coalesce(${disabledSince(f.timeZone)} - 1, case when s.status = 'stopped' then s.end_date end) end)
      or exists (
        select 1 from services s join service_billing b on b.service_id = s.id
        where s.customer_id = d.id and s.status in ('active', 'stopped', 'disabled') and s.end_date < b.billed_through
          and not ${keyIsLive(sql`'end:' || s.id || ':' || (s.end_date + 1) || ':credit'`)})
      or exists (select 1 from pending_charges p where p.customer_id = d.id and p.invoice_item_id is null and p.charge_date <= ${f.runDate}::date)
      or exists (
        select 1 from services s
        join service_billing b on b.service_id = s.id
        join service_plan_changes pc on pc.service_id = s.id and pc.effective_date <= b.billed_through
        where s.customer_id = d.id and s.status in ('active', 'stopped', 'disabled')
          and not ${keyIsLive(sql`'change:' || pc.id || ':' || pc.effective_date || ':credit'`)}
          and not exists (select 1 from invoice_items i where i.service_id = s.id and i.period_start = pc.effective_date
                          and i.plan_id = pc.to_plan_id and i.released_at is null))
    order by d.id
    ${f.limit ? sql`limit ${f.limit}` : sql``}`,
  )
  return found.map((r) => r.id)
}

const idList = (ids: readonly number[]) => sql.raw(`'{${ids.map(Number).join(',')}}'::int[]`)

/**
 * Status history: every change of a service's status is in the audit log ('service.status' from the
 * status action and the daily stop job, 'service.create' with its first status), with before and after.
 * That is the one record of when a service was disabled and enabled, so billing reads it rather than
 * keeping a second copy. A change counts from the day it was made, in the ISP's time zone.
 */
const becameDisabled = sql`a.after->>'status' = 'disabled' and coalesce(a.before->>'status', '') <> 'disabled'`
// Only becoming active again ends a disabled span: disabled then stopped (or archived) stays unbilled
// from the day it was disabled, and a stopped service reactivated later is billed from that day.
const becameActive = sql`a.after->>'status' = 'active' and coalesce(a.before->>'status', '') <> 'active'`

/**
 * SQL: the day the service s was disabled, when it has not been active since (null when it was never
 * disabled after its creation, or became active again).
 */
function disabledSince(timeZone = 'UTC') {
  return sql`(select (max(a.at at time zone ${timeZone}))::date from audit_log a
              where a.entity = 'service' and a.entity_id = s.id::text and a.action <> 'service.create' and ${becameDisabled}
                and not exists (select 1 from audit_log z where z.entity = 'service' and z.entity_id = a.entity_id and z.at > a.at
                                  and z.after->>'status' = 'active' and coalesce(z.before->>'status', '') <> 'active'))`
}

/**
 * The services whose status history can change their bill: one not active now (its open span caps
 * it), one never billed, or an active one with a status change since the start of its billed-through
 * day. The due days of an active one start after its billed-through day, so spans that ended before
 * that are cut from nothing: the history of the (many) services with no change since is not read.
 */
async function withStatusHistory(
  db: DbOrTx,
  services: readonly { id: number; status: string; billedThrough: string | null }[],
  timeZone: string,
): Promise<number[]> {
  const out = services.filter((s) => s.status !== 'active' || s.billedThrough === null).map((s) => s.id)
  const billed = services.filter((s) => s.status === 'active' && s.billedThrough !== null)
  if (!billed.length) return out
  const since = billed.map((s) => s.billedThrough!).sort()[0]!
  const changed = await rows<{ id: string }>(
    db,
    sql`select distinct v.id from unnest(${textArray(billed.map((s) => String(s.id)))}, ${dateArray(billed.map((s) => s.billedThrough))}) as v(id, through)
        join audit_log a on a.entity = 'service' and a.entity_id = v.id and a.at >= (v.through::timestamp at time zone ${timeZone})
        where a.at >= (${since}::date::timestamp at time zone ${timeZone}) and ((${becameDisabled}) or (${becameActive}))`,
  )
  return [...out, ...changed.map((r) => Number(r.id))]
}

/** The disabled spans of these services, from their status history. */
async function loadDisabledSpans(
  db: DbOrTx,
  services: readonly { id: number; status: string; billedThrough: string | null }[],
  timeZone: string,
): Promise<Map<number, DisabledSpan[]>> {
  const out = new Map<number, DisabledSpan[]>()
  const serviceIds = await withStatusHistory(db, services, timeZone)
  if (!serviceIds.length) return out
  const found = await rows<{ id: string; day: string; created: boolean; disables: boolean; before: string | null }>(
    db,
    sql`select a.entity_id as id, ((a.at at time zone ${timeZone})::date)::text as day, a.action = 'service.create' as created,
          (${becameDisabled}) as disables, a.before->>'status' as before
        from audit_log a
        where a.entity = 'service' and a.entity_id = any(${textArray(serviceIds.map(String))})
          and ((${becameDisabled}) or (${becameActive}))
        order by a.at, a.id`,
  )
  for (const r of found) {
    const list = out.get(Number(r.id)) ?? []
    const open = list.at(-1)?.to === null ? list.at(-1) : undefined
    if (r.disables) {
      if (!open) list.push({ from: r.created ? null : r.day, to: null })
    } else if (open) {
      open.to = formatDate(addDays(r.day, -1))
    } else if (r.before === 'disabled') {
      // Enabled with no disabling on record: disabled since before its history.
      list.push({ from: null, to: formatDate(addDays(r.day, -1)) })
    }
    out.set(Number(r.id), list)
  }
  return out
}

/** Customers, services, billing state, plan changes and pending charges of a batch. */
export async function loadBatch(
  db: DbOrTx,
  customerIds: readonly number[],
  plans: ReadonlyMap<number, PlanInfo>,
  defaultType: BillingTypeName,
  timeZone = 'UTC',
): Promise<BatchState> {
  const state: BatchState = { customers: [], services: new Map(), pending: new Map() }
  if (!customerIds.length) return state
  const ids = idList(customerIds)
  const [customers, services, changes, pending] = await Promise.all([
    rows<{ id: number; partnerId: number; billingDay: number; type: string | null; periodsAhead: number | null }>(
      db,
      sql`select c.id, c.partner_id as "partnerId", c.billing_day as "billingDay", cb.type::text as type, cb.periods_ahead as "periodsAhead"
          from customers c left join customer_billing cb on cb.customer_id = c.id
          where c.id = any(${ids}) order by c.id`,
    ),
    rows<ServiceInfo & { billedThrough: string | null; endCredited: boolean }>(
      db,
      sql`select s.id, s.customer_id as "customerId", s.plan_id as "planId", s.type::text as type, s.description,
            s.quantity::text as quantity, s.unit_price::text as "unitPrice", s.discount_percent::text as "discountPercent",
            s.discount_start::text as "discountStart", s.discount_end::text as "discountEnd",
            s.start_date::text as "startDate", s.end_date::text as "endDate", s.status::text as status,
            b.billed_through::text as "billedThrough",
            (s.end_date is not null and b.billed_through > s.end_date
              and ${keyIsLive(sql`'end:' || s.id || ':' || (s.end_date + 1) || ':credit'`)}) as "endCredited"
          from services s left join service_billing b on b.service_id = s.id
          where s.customer_id = any(${ids})
            and (s.status in ('active', 'disabled') or (s.status = 'stopped' and s.end_date is not null
                 and (b.billed_through is null or b.billed_through <> s.end_date or exists (
                   select 1 from service_plan_changes pc where pc.service_id = s.id and pc.effective_date <= b.billed_through))))
          order by s.id`,
    ),
    rows<PlanChangeInfo>(
      db,
      sql`select pc.id, pc.service_id as "serviceId", pc.from_plan_id as "fromPlanId", pc.to_plan_id as "toPlanId",
            pc.effective_date::text as "effectiveDate",
            (${keyIsLive(sql`'change:' || pc.id || ':' || pc.effective_date || ':credit'`)}
             or exists (select 1 from invoice_items i where i.service_id = pc.service_id and i.period_start = pc.effective_date
                        and i.plan_id = pc.to_plan_id and i.released_at is null)) as settled
          from service_plan_changes pc join services s on s.id = pc.service_id
          where s.customer_id = any(${ids})`,
    ),
    rows<PendingChargeInfo & { customerId: number }>(
      db,
      sql`select id, customer_id as "customerId", service_id as "serviceId", description, charge_date::text as "chargeDate",
            quantity::text as quantity, unit_price::text as "unitPrice", tax_rate_id as "taxRateId", source_key as "sourceKey"
          from pending_charges where customer_id = any(${ids}) and invoice_item_id is null order by id`,
    ),
  ])
  const changesBy = new Map<number, PlanChangeInfo[]>()
  for (const c of changes) {
    const list = changesBy.get(c.serviceId) ?? []
    list.push(c)
    changesBy.set(c.serviceId, list)
  }
  for (const c of customers) {
    state.customers.push({
      id: c.id,
      partnerId: c.partnerId,
      terms: { type: (c.type ?? defaultType) as BillingTypeName, periodsAhead: c.periodsAhead ?? 1, billingDay: c.billingDay },
    })
  }
  const disabled = await loadDisabledSpans(db, services, timeZone)
  for (const s of services) {
    const { billedThrough, endCredited, ...service } = s
    const list = state.services.get(s.customerId) ?? []
    list.push({ service, plans, changes: changesBy.get(s.id) ?? [], billedThrough, endCredited, disabled: disabled.get(s.id) ?? [] })
    state.services.set(s.customerId, list)
  }
  for (const p of pending) {
    const { customerId, ...charge } = p
    const list = state.pending.get(customerId) ?? []
    list.push(charge)
    state.pending.set(customerId, list)
  }
  return state
}
