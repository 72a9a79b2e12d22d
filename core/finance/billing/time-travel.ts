import { sql } from 'drizzle-orm'
import { rows, type Db, type Tx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import { ManualClock } from '../../kernel/clock.ts'
import { addMonths, formatDate, isIsoDate } from '../../kernel/dates.ts'
import { ValidationError, type FieldError } from '../../kernel/errors.ts'
import { toFixed, ZERO } from '../../kernel/money.ts'
import { stopEndedServices } from '../../services/lifecycle.ts'
import { applyDuePlanChanges } from '../../services/plan-change.ts'
import { services } from '../../services/schema.ts'
import { loadIssueContext } from '../invoices/issue.ts'
import { checkBillingDay } from '../periods.ts'
import { customerBilling } from '../schema.ts'
import type { BillingTypeName } from './charges.ts'
import { computeBills, type StoredLine } from './compute.ts'
import { issueBills } from './issue-batch.ts'
import { dueCustomerIds, loadPlans } from './load.ts'

export const MAX_MONTHS = 36
export const MAX_CUSTOMERS = 500

export interface HypotheticalCustomer {
  planId: number
  billingType: BillingTypeName
  billingDay: number
  periodsAhead?: number
  quantity?: string
}

export interface TimeTravelInput {
  from: string
  months: number
  customerIds?: number[]
  hypothetical?: HypotheticalCustomer | null
}

export interface TimeTravelMonth {
  runDate: string
  customers: { customerId: number; name: string; lines: StoredLine[]; net: string; tax: string; total: string }[]
  total: string
}

class Rollback extends Error {}

function check(input: TimeTravelInput): FieldError[] {
  const errors: FieldError[] = []
  if (!isIsoDate(input.from)) errors.push({ field: 'from', message: 'must be a date as YYYY-MM-DD' })
  if (!Number.isInteger(input.months) || input.months < 1 || input.months > MAX_MONTHS)
    errors.push({ field: 'months', message: `must be 1 to ${MAX_MONTHS}` })
  const ids = input.customerIds ?? []
  if (ids.length > MAX_CUSTOMERS) errors.push({ field: 'customerIds', message: `at most ${MAX_CUSTOMERS} customers` })
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 1)) errors.push({ field: 'customerIds', message: 'must be customer ids' })
  const h = input.hypothetical
  if (!ids.length && !h) errors.push({ field: 'customerIds', message: 'choose customers or a hypothetical customer on a plan' })
  if (h) {
    try {
      checkBillingDay(h.billingDay, 'hypothetical.billingDay')
    } catch (err) {
      errors.push(...(err as ValidationError).fields)
    }
    if (h.billingType === 'recurring_prepaid' && (!Number.isInteger(h.periodsAhead ?? 1) || (h.periodsAhead ?? 1) < 1 || (h.periodsAhead ?? 1) > 12))
      errors.push({ field: 'hypothetical.periodsAhead', message: 'must be 1 to 12' })
    if (h.quantity !== undefined && !/^\d+(\.\d+)?$/.test(h.quantity)) errors.push({ field: 'hypothetical.quantity', message: 'must be a positive decimal' })
  }
  return errors
}

async function addHypothetical(tx: Tx, h: HypotheticalCustomer, from: string): Promise<number> {
  const [plan] = await rows<{ id: number; type: string; name: string }>(tx, sql`select id, type::text as type, name from plans where id = ${h.planId}`)
  if (!plan) throw new ValidationError([{ field: 'hypothetical.planId', message: `plan ${h.planId} does not exist` }])
  const [partner] = await rows<{ id: number }>(tx, sql`select id from partners order by id limit 1`)
  const [c] = await tx
    .insert(customers)
    .values({ partnerId: partner!.id, login: `time-travel-${Date.now()}`, name: 'Hypothetical customer', status: 'active', billingDay: h.billingDay, dateAdded: from })
    .returning({ id: customers.id })
  await tx.insert(customerBilling).values({ customerId: c!.id, type: h.billingType, periodsAhead: h.periodsAhead ?? 1 })
  await tx.insert(services).values({
    customerId: c!.id,
    planId: plan.id,
    type: plan.type as typeof services.$inferInsert.type,
    description: plan.name,
    quantity: h.quantity ?? '1',
    startDate: from,
    status: 'active',
  })
  return c!.id
}

/**
 * What the chosen customers (and/or a hypothetical one) would be billed on each of N monthly run dates
 * from a date: inside ONE transaction that is always rolled back, the clock moves month by month,
 * scheduled plan changes and service ends happen, every month's run is computed AND issued (so the
 * next month starts where a real one would), and the lot is thrown away. Real data is never touched;
 * the invoice counter row is held for the length of the sandbox, so keep it small.
 */
export async function timeTravel(db: Db, input: TimeTravelInput): Promise<TimeTravelMonth[]> {
  const errors = check(input)
  if (errors.length) throw new ValidationError(errors)
  const months: TimeTravelMonth[] = []
  try {
    await db.transaction(async (tx) => {
      const ids = [...(input.customerIds ?? [])]
      if (input.hypothetical) ids.push(await addHypothetical(tx, input.hypothetical, input.from))
      const names = new Map(
        (await rows<{ id: number; name: string }>(tx, sql`select id, name from customers where id in ${ids}`)).map((r) => [r.id, r.name]),
      )
      const missing = ids.filter((id) => !names.has(id))
      if (missing.length) throw new ValidationError([{ field: 'customerIds', message: `customers ${missing.join(', ')} do not exist` }])
      const context = await loadIssueContext(tx)
      const plans = await loadPlans(tx)
      for (let m = 0; m < input.months; m++) {
        const runDate = formatDate(addMonths(input.from, m))
        const clock = new ManualClock(`${runDate}T00:00:00Z`, 'UTC')
        // The sandbox is one transaction: these open savepoints on it instead of transactions of their own.
        await applyDuePlanChanges(tx as unknown as Db, clock)
        await stopEndedServices(tx as unknown as Db, clock)
        const due = await dueCustomerIds(tx, {
          runDate,
          partnerId: null,
          defaultType: context.finance.defaultBillingType as BillingTypeName,
          timeZone: context.core.timeZone,
          customerIds: ids,
        })
        const bills = due.length ? await computeBills(tx, due, { runDate, context, plans }) : []
        if (bills.length) await issueBills(tx, context, runDate, bills)
        let total = ZERO
        for (const b of bills) total = total.plus(b.total)
        months.push({
          runDate,
          customers: bills.map((b) => ({ customerId: b.customerId, name: names.get(b.customerId) ?? '', lines: b.lines, net: b.net, tax: b.tax, total: b.total })),
          total: toFixed(total, context.core.currency),
        })
      }
      throw new Rollback()
    })
  } catch (err) {
    if (!(err instanceof Rollback)) throw err
  }
  return months
}
