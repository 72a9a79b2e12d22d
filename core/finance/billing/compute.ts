import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { toFixed } from '../../kernel/money.ts'
import { priceLines, type IssueContext } from '../invoices/issue.ts'
import { customerCharges, usagePeriod, type BillingTypeName, type LineDraft, type PlanInfo } from './charges.ts'
import { loadBatch } from './load.ts'
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
  const currency = o.context.core.currency
  const defaultType = o.context.finance.defaultBillingType as BillingTypeName
  const batch = await loadBatch(db, customerIds, o.plans, defaultType)
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
  // Plugin lines already on an issued invoice are dropped (their sourceKey is the charge key).
  if (pluginKeys.size) {
    const keys = [...pluginKeys]
    const done = new Set(
      (await rows<{ k: string }>(db, sql`select charge_key as k from invoice_items where charge_key in ${keys}`)).map((r) => r.k),
    )
    if (done.size) for (const d of drafts) d.lines = d.lines.filter((l) => l.kind !== 'plugin' || !done.has(l.chargeKey))
  }
  const out: CustomerBill[] = []
  for (const d of drafts) {
    if (!d.lines.length) continue
    const tax = priceLines(d.lines, o.context)
    out.push({ ...d, net: toFixed(tax.net, currency), tax: toFixed(tax.tax, currency), total: toFixed(tax.gross, currency) })
  }
  return out
}
