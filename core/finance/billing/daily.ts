import type { Db } from '../../../db/client.ts'
import type { Clock } from '../../kernel/clock.ts'
import { loadIssueContext } from '../invoices/issue.ts'
import type { BillingTypeName } from './charges.ts'
import { computeBills } from './compute.ts'
import { issueBills } from './issue-batch.ts'
import { dueCustomerIds, loadPlans } from './load.ts'
import type { InvoiceItemSource } from './plugin-lines.ts'
import { settleFromCredit } from './settle.ts'

/**
 * Prepaid daily customers: every day not yet billed up to today, one invoice per customer, issued
 * without a preview (Splynx takes the daily charge from the balance the same way). Safe to run again:
 * billedThrough and the charge keys make a second run on the same day find nothing.
 */
export async function billPrepaidDaily(
  deps: { db: Db; clock: Clock; plugins?: readonly InvoiceItemSource[]; batchSize?: number },
): Promise<{ invoices: number }> {
  const { db } = deps
  const today = deps.clock.today().toString()
  const context = await loadIssueContext(db)
  const plans = await loadPlans(db)
  const ids = await dueCustomerIds(db, {
    runDate: today,
    partnerId: null,
    defaultType: context.finance.defaultBillingType as BillingTypeName,
    timeZone: context.core.timeZone,
    types: ['prepaid_daily'],
  })
  const size = deps.batchSize ?? 1000
  let invoices = 0
  for (let i = 0; i < ids.length; i += size) {
    const bills = await computeBills(db, ids.slice(i, i + size), { runDate: today, context, plans, plugins: deps.plugins ?? [] })
    if (!bills.length) continue
    const out = await db.transaction(async (tx) => {
      const issued = await issueBills(tx, context, today, bills)
      await settleFromCredit(tx, issued, deps.clock.now())
      return issued
    })
    invoices += out.filter((o) => o.status === 'invoiced').length
  }
  return { invoices }
}
