import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { addDays, compareDates, daysInclusive, formatDate, maxDate } from '../../kernel/dates.ts'
import { dec, round, toPg } from '../../kernel/money.ts'
import { pendingCharges } from '../schema.ts'
import type { FinanceSettingsValue } from '../settings.ts'

type LateFeeSettings = Pick<FinanceSettingsValue, 'lateFee' | 'lateFeeAmount' | 'lateFeeAfterDays'>

interface OverdueInvoice {
  id: number
  customerId: number
  number: string
  dueDate: string
  unpaid: string
}

const FIXED_KEY = (invoiceId: number) => `late_fee:inv-${invoiceId}`
const DAILY_KEY = (invoiceId: number, day: string) => `late_fee:inv-${invoiceId}:${day}`
const DAILY_KEY_RE = /^late_fee:inv-(\d+):(\d{4}-\d{2}-\d{2})$/

/**
 * Late fees as pending charges, picked up by the customer's next invoice. Fixed: one charge per
 * overdue invoice. Percent per day (BTO's penalties): the unpaid amount × percent for each day late;
 * each run charges the days since the invoice's previous late fee, under a key of the run's day, so
 * two runs a day (or a re-run) charge nothing twice and a day the job missed is still charged once.
 * Customers whose billing terms switch late fees off are skipped.
 */
export async function chargeLateFees(db: DbOrTx, settings: LateFeeSettings, today: string, currency: string): Promise<number> {
  if (settings.lateFee === 'none' || dec(settings.lateFeeAmount).lte(0)) return 0
  const after = settings.lateFeeAfterDays
  const invoices = await rows<OverdueInvoice>(
    db,
    sql`select i.id, i.customer_id as "customerId", i.number, i.due_date::text as "dueDate", (i.total - i.paid_amount)::text as unpaid
      from invoices i left join customer_billing cb on cb.customer_id = i.customer_id
      where i.kind = 'invoice' and i.status = 'overdue' and i.total > i.paid_amount
        and i.due_date + ${after}::int < ${today}::date and coalesce(cb.late_fees, true)
      order by i.id`,
  )
  if (!invoices.length) return 0
  const values: (typeof pendingCharges.$inferInsert)[] = []
  if (settings.lateFee === 'fixed') {
    const fee = round(settings.lateFeeAmount, currency)
    for (const inv of invoices) {
      values.push({
        customerId: inv.customerId,
        description: `Late fee: invoice ${inv.number}`,
        chargeDate: today,
        quantity: '1',
        unitPrice: toPg(fee),
        sourceKey: FIXED_KEY(inv.id),
      })
    }
  } else {
    const last = await lastDailyFees(db)
    for (const inv of invoices) {
      const firstLateDay = addDays(inv.dueDate, after + 1)
      const previous = last.get(inv.id)
      const from = previous ? maxDate(firstLateDay, addDays(previous, 1)) : firstLateDay
      if (compareDates(from, today) > 0) continue
      const days = daysInclusive(from, today)
      const perDay = round(dec(inv.unpaid).times(settings.lateFeeAmount).div(100), currency)
      if (perDay.lte(0)) continue
      values.push({
        customerId: inv.customerId,
        description: `Late fee: invoice ${inv.number}, ${settings.lateFeeAmount} % a day, ${formatDate(from)} to ${today}`,
        chargeDate: today,
        quantity: String(days),
        unitPrice: toPg(perDay),
        sourceKey: DAILY_KEY(inv.id, today),
      })
    }
  }
  if (!values.length) return 0
  const inserted = await db
    .insert(pendingCharges)
    .values(values)
    .onConflictDoNothing({ target: pendingCharges.sourceKey })
    .returning({ id: pendingCharges.id })
  return inserted.length
}

/** The day of each invoice's latest daily late fee. */
async function lastDailyFees(db: DbOrTx): Promise<Map<number, string>> {
  const found = await rows<{ sourceKey: string }>(
    db,
    sql`select source_key as "sourceKey" from pending_charges where source_key like 'late\_fee:inv-%:%'`,
  )
  const out = new Map<number, string>()
  for (const { sourceKey } of found) {
    const m = DAILY_KEY_RE.exec(sourceKey)
    if (!m) continue
    const id = Number(m[1])
    const day = m[2]!
    const seen = out.get(id)
    if (!seen || compareDates(day, seen) > 0) out.set(id, day)
  }
  return out
}
