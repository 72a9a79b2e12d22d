import type { DbOrTx } from '../../../db/client.ts'
import { toFixed } from '../../kernel/money.ts'
import type { IssueContext } from '../invoices/issue.ts'
import { liveKeys } from './charge-keys.ts'
import { customerCharges, usagePeriod, type BillingTypeName, type LineDraft, type PlanInfo } from './charges.ts'
import { loadBatch, type BatchState } from './load.ts'
import { priceBill } from './pricing.ts'
import { collectPluginLines, type InvoiceItemSource } from './plugin-lines.ts'

/** A service line carries the billedThrough it was computed from: the commit refuses it if that moved. */
export type StoredLine = LineDraft & { billedBefore?: string | null }

/** What one customer would be invoiced: the content of a billing_run_items row. */
export interface CustomerBill {
  customerId: number
  partnerId: number
  lines: StoredLine[]
  net: string
  tax: string
  total: string
  periodStart: string | null
  periodEnd: string | null
}

export interface ComputeOptions {
  runDate: string
  context: IssueContext
  plans: ReadonlyMap<number, PlanInfo>
  plugins?: readonly InvoiceItemSource[]
}

/** Bills of a batch of customers (those with no lines are left out), in customer id order. */
export async function computeBills(db: DbOrTx, customerIds: readonly number[], o: ComputeOptions): Promise<CustomerBill[]> {
  return billsOfBatch(db, await loadBillingBatch(db, customerIds, o), o)
}

/** What computeBills reads for these customers (a run loads the next batch while it prices this one). */
export function loadBillingBatch(db: DbOrTx, customerIds: readonly number[], o: ComputeOptions): Promise<BatchState> {
  return loadBatch(db, customerIds, o.plans, o.context.finance.defaultBillingType as BillingTypeName, o.context.core.timeZone)
}

/** The bills of a loaded batch. */
export async function billsOfBatch(db: DbOrTx, batch: BatchState, o: ComputeOptions): Promise<CustomerBill[]> {
  const currency = o.context.core.currency
  const drafts: CustomerBill[] = []
  const pluginKeys = new Set<string>()
  for (const c of batch.customers) {
    const charges = customerCharges(
      { terms: c.terms, services: batch.services.get(c.id) ?? [], pending: batch.pending.get(c.id) ?? [] },
      o.runDate,
      currency,
    )
    const lines: StoredLine[] = charges.lines.map((l) =>
      (l.kind === 'service' || l.kind === 'one_time') && l.serviceId !== null
        ? { ...l, billedBefore: charges.billedBefore[l.serviceId] ?? null }
        : l,
    )
    if (o.plugins?.length) {
      lines.push(...(await collectPluginLines(o.plugins, c, usagePeriod(c.terms, o.runDate), currency, pluginKeys)))
    }
    drafts.push({ customerId: c.id, partnerId: c.partnerId, lines, net: '0', tax: '0', total: '0', periodStart: charges.periodStart, periodEnd: charges.periodEnd })
  }
  // Lines whose charge a live document holds already are dropped: plugin lines billed before, and the
  // periods around a released one (a voided invoice of January re-bills January, not a live February).
  const live = await liveKeys(db, drafts.flatMap((d) => d.lines.map((l) => l.chargeKey)))
  if (live.size) for (const d of drafts) d.lines = d.lines.filter((l) => !live.has(l.chargeKey))
  const out: CustomerBill[] = []
  for (const d of drafts) {
    if (!d.lines.length) continue
    let tax = priceBill(d.lines, o.context)
    // A result that is a credit becomes a credit note: one-off charges (their pending row links to an
    // invoice line) wait for the customer's next invoice instead of being netted into the credit.
    if (tax.gross.isNeg() && d.lines.some((l) => l.pendingChargeId)) {
      d.lines = d.lines.filter((l) => !l.pendingChargeId)
      if (!d.lines.length) continue
      tax = priceBill(d.lines, o.context)
    }
    out.push({ ...d, net: toFixed(tax.net, currency), tax: toFixed(tax.tax, currency), total: toFixed(tax.gross, currency) })
  }
  return out
}
