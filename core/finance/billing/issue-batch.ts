import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../../../db/client.ts'
import { addDays, formatDate } from '../../kernel/dates.ts'
import { OUTBOX_CHANNEL } from '../../kernel/events/outbox.ts'
import { dec, toPg, type InvoiceTax } from '../../kernel/money.ts'
import { customerSnapshot, loadCustomersForInvoice, sellerSnapshot, type IssueContext } from '../invoices/issue.ts'
import { insertRecords } from './bulk.ts'
import { intArray } from '../../../db/arrays.ts'
import { liveKeys } from './charge-keys.ts'
import { issueCreditBill } from './credit-bill.ts'
import type { StoredLine } from './compute.ts'
import { byCounter, reserveNumbers } from './numbers.ts'
import { priceBill } from './pricing.ts'

export interface BillToIssue {
  customerId: number
  lines: StoredLine[]
}

export interface IssueOutcome {
  customerId: number
  /** credited: the result was a credit, issued as a credit note (creditNoteId, number). */
  status: 'invoiced' | 'credited' | 'skipped'
  invoiceId: number | null
  creditNoteId?: number | null
  number: string | null
  error: string | null
}

const CHUNK = 2000

async function chunked<T>(list: readonly T[], size: number, fn: (part: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < list.length; i += size) await fn(list.slice(i, i + size))
}

/** The billedThrough a bill moves each service to: the last day of its service lines. */
export function billedThroughOf(lines: readonly StoredLine[]): Map<number, { through: string; before: string | null }> {
  const out = new Map<number, { through: string; before: string | null }>()
  for (const l of lines) {
    if ((l.kind !== 'service' && l.kind !== 'one_time') || l.serviceId === null || !l.periodEnd) continue
    const seen = out.get(l.serviceId)
    if (!seen || l.periodEnd > seen.through) out.set(l.serviceId, { through: l.periodEnd, before: l.billedBefore ?? null })
  }
  return out
}

/** The invoice's period: from the first to the last day of its recurring service lines. */
export function invoicePeriod(lines: readonly StoredLine[]): { start: string | null; end: string | null } {
  let start: string | null = null
  let end: string | null = null
  for (const l of lines) {
    if (l.kind !== 'service' || !l.periodStart || !l.periodEnd) continue
    if (!start || l.periodStart < start) start = l.periodStart
    if (!end || l.periodEnd > end) end = l.periodEnd
  }
  return { start, end }
}

/**
 * Issues the invoices of many customers in the caller's transaction, set-based: the service billing
 * rows locked and checked against the preview, one block of numbers per counter, and multi-row inserts
 * of invoices, lines, taxes, ledger debits, events and billedThrough. A bill whose services were billed
 * meanwhile, or whose charge keys or pending charges are already invoiced, is skipped with the reason:
 * nothing is billed twice. A bill of only zero lines issues nothing but still moves billedThrough; a bill
 * whose total is a credit is issued as a credit note (credit-bill.ts), never as a negative invoice.
 */
export async function issueBills(
  tx: Tx,
  context: IssueContext,
  issueDate: string,
  bills: readonly BillToIssue[],
  options: { billingRunId?: number | null; createdBy?: number | null } = {},
): Promise<IssueOutcome[]> {
  const currency = context.core.currency
  const outcomes = new Map<number, IssueOutcome>()
  const serviceIds = [...new Set(bills.flatMap((b) => [...billedThroughOf(b.lines).keys()]))]
  const keys = bills.flatMap((b) => b.lines.map((l) => l.chargeKey))
  const pendingIds = bills.flatMap((b) => b.lines.flatMap((l) => (l.pendingChargeId ? [l.pendingChargeId] : [])))
  const [billed, usedKeys, usedPending] = await Promise.all([
    serviceIds.length
      ? rows<{ id: number; through: string }>(
          tx,
          sql`select service_id as id, billed_through::text as through from service_billing
              where service_id = any(${intArray(serviceIds)}) order by service_id for update`,
        )
      : [],
    liveKeys(tx, keys),
    pendingIds.length
      ? rows<{ id: number }>(tx, sql`select id from pending_charges where id = any(${intArray(pendingIds)}) and invoice_item_id is not null`)
      : [],
  ])
  const throughNow = new Map(billed.map((r) => [r.id, r.through]))
  const used = usedKeys
  const usedP = new Set(usedPending.map((r) => r.id))

  const toIssue: {
    bill: BillToIssue
    advance: Map<number, { through: string; before: string | null }>
    tax: InvoiceTax
  }[] = []
  const credits: BillToIssue[] = []
  const advances: { service_id: number; billed_through: string }[] = []
  for (const bill of bills) {
    const advance = billedThroughOf(bill.lines)
    const moved = [...advance].find(([id, a]) => (throughNow.get(id) ?? null) !== a.before)
    const dup = bill.lines.find((l) => used.has(l.chargeKey) || (l.pendingChargeId && usedP.has(l.pendingChargeId)))
    if (moved || dup) {
      const error = moved
        ? `service ${moved[0]} was billed through ${throughNow.get(moved[0])} since the preview`
        : `${dup!.chargeKey} is already invoiced`
      outcomes.set(bill.customerId, { customerId: bill.customerId, status: 'skipped', invoiceId: null, number: null, error })
      continue
    }
    for (const [serviceId, a] of advance) advances.push({ service_id: serviceId, billed_through: a.through })
    if (bill.lines.every((l) => dec(l.amount).isZero())) {
      outcomes.set(bill.customerId, { customerId: bill.customerId, status: 'skipped', invoiceId: null, number: null, error: 'nothing to pay' })
      continue
    }
    const tax = priceBill(bill.lines, context)
    if (tax.gross.isNeg()) credits.push(bill)
    else toIssue.push({ bill, advance, tax })
  }
  if (credits.length) {
    const customers = await loadCustomersForInvoice(tx, credits.map((b) => b.customerId))
    for (const bill of credits) {
      const c = customers.get(bill.customerId)
      if (!c) throw new Error(`customer ${bill.customerId} vanished during billing`)
      const note = await issueCreditBill(tx, context, issueDate, c, bill.lines, options)
      outcomes.set(c.id, { customerId: c.id, status: 'credited', invoiceId: null, creditNoteId: note.id, number: note.number, error: null })
    }
  }

  if (toIssue.length) {
    const customers = await loadCustomersForInvoice(tx, toIssue.map((t) => t.bill.customerId))
    const seller = sellerSnapshot(context.core)
    const prepared = toIssue.map(({ bill, tax }) => {
      const c = customers.get(bill.customerId)
      if (!c) throw new Error(`customer ${bill.customerId} vanished during billing`)
      const due = formatDate(addDays(issueDate, c.paymentDueDays ?? context.finance.paymentDueDays))
      return { bill, c, due, tax, number: '' }
    })
    const pattern = context.finance.invoicePattern
    const valuesOf = (p: (typeof prepared)[number]) => ({ date: issueDate, partnerId: p.c.partnerId, customerId: p.c.id })
    for (const group of byCounter(prepared, pattern, valuesOf).values()) {
      const numbers = await reserveNumbers(tx, 'invoice', pattern, group.map(valuesOf))
      group.forEach((p, i) => {
        p.number = numbers[i]!
      })
    }
    const inserted = await insertRecords<{ id: number; number: string }>(
      tx,
      'invoices',
      [
        ['kind', 'invoice_kind'], ['customer_id', 'int'], ['partner_id', 'int'], ['series', 'text'], ['number', 'text'],
        ['issue_date', 'date'], ['due_date', 'date'], ['period_start', 'date'], ['period_end', 'date'], ['currency', 'text'],
        ['language', 'text'], ['net', 'numeric'], ['tax', 'numeric'], ['total', 'numeric'], ['customer_snapshot', 'jsonb'],
        ['seller_snapshot', 'jsonb'], ['billing_run_id', 'int'], ['created_by', 'int'],
      ],
      prepared.map((p) => {
        const period = invoicePeriod(p.bill.lines)
        return {
          kind: 'invoice',
          customer_id: p.c.id,
          partner_id: p.c.partnerId,
          series: 'invoice',
          number: p.number,
          issue_date: issueDate,
          due_date: p.due,
          period_start: period.start,
          period_end: period.end,
          currency,
          language: p.c.language,
          net: toPg(p.tax.net),
          tax: toPg(p.tax.tax),
          total: toPg(p.tax.gross),
          customer_snapshot: customerSnapshot(p.c),
          seller_snapshot: seller,
          billing_run_id: options.billingRunId ?? null,
          created_by: options.createdBy ?? null,
        }
      }),
      'id, number',
    )
    const idOf = new Map(inserted.map((r) => [r.number, r.id]))

    const itemRows = prepared.flatMap((p) =>
      p.bill.lines.map((l, i) => {
        const rate = l.taxRateId ? context.taxRates.get(l.taxRateId) : undefined
        return {
          invoice_id: idOf.get(p.number)!,
          position: i + 1,
          description: l.description,
          service_id: l.serviceId,
          plan_id: l.planId,
          period_start: l.periodStart,
          period_end: l.periodEnd,
          quantity: l.quantity,
          unit_price: l.unitPrice,
          discount_percent: l.discountPercent,
          amount: l.amount,
          tax_rate_id: l.taxRateId,
          tax_percent: rate?.ratePercent ?? '0',
          tax_included: rate?.included ?? false,
          charge_key: l.chargeKey,
        }
      }),
    )
    const itemIds = new Map<string, number>()
    await chunked(itemRows, CHUNK, async (part) => {
      const got = await insertRecords<{ id: number; key: string }>(
        tx,
        'invoice_items',
        [
          ['invoice_id', 'int'], ['position', 'int'], ['description', 'text'], ['service_id', 'int'], ['plan_id', 'int'],
          ['period_start', 'date'], ['period_end', 'date'], ['quantity', 'numeric'], ['unit_price', 'numeric'],
          ['discount_percent', 'numeric'], ['amount', 'numeric'], ['tax_rate_id', 'int'], ['tax_percent', 'numeric'],
          ['tax_included', 'boolean'], ['charge_key', 'text'],
        ],
        part,
        'id, charge_key as key',
      )
      for (const r of got) itemIds.set(r.key, r.id)
    })
    await insertRecords(
      tx,
      'document_taxes',
      [['invoice_id', 'int'], ['tax_rate_id', 'int'], ['rate_percent', 'numeric'], ['included', 'boolean'], ['net', 'numeric'], ['tax', 'numeric'], ['gross', 'numeric']],
      prepared.flatMap((p) =>
        p.tax.groups.map((g) => ({
          invoice_id: idOf.get(p.number)!,
          tax_rate_id: g.key === 'none' ? null : Number(g.key),
          rate_percent: toPg(g.ratePercent),
          included: g.included,
          net: toPg(g.net),
          tax: toPg(g.tax),
          gross: toPg(g.gross),
        })),
      ),
    )
    // Ledger debits (credits went on credit notes above; a zero invoice has no entry): append-only rows.
    await insertRecords(
      tx,
      'ledger_entries',
      [['customer_id', 'int'], ['partner_id', 'int'], ['kind', 'ledger_kind'], ['entry_date', 'date'], ['debit', 'numeric'], ['credit', 'numeric'], ['description', 'text'], ['invoice_id', 'int'], ['created_by', 'int']],
      prepared
        .filter((p) => !p.tax.gross.isZero())
        .map((p) => ({
          customer_id: p.c.id,
          partner_id: p.c.partnerId,
          kind: 'invoice',
          entry_date: issueDate,
          debit: p.tax.gross.isPos() ? toPg(p.tax.gross) : '0',
          credit: p.tax.gross.isPos() ? '0' : toPg(p.tax.gross.neg()),
          description: `Invoice ${p.number}`,
          invoice_id: idOf.get(p.number)!,
          created_by: options.createdBy ?? null,
        })),
    )
    const events = prepared.map((p) => ({
      invoiceId: idOf.get(p.number)!,
      customerId: p.c.id,
      partnerId: p.c.partnerId,
      number: p.number,
      total: toPg(p.tax.gross),
      dueDate: p.due,
    }))
    await tx.execute(sql`
      with e as (insert into outbox_events (type, payload)
                 select 'invoice.issued', x from jsonb_array_elements(${JSON.stringify(events)}::jsonb) as x returning id)
      select pg_notify(${OUTBOX_CHANNEL}, max(id)::text) from e`)
    const pendingLinks = prepared.flatMap((p) =>
      p.bill.lines.flatMap((l) => (l.pendingChargeId ? [{ id: l.pendingChargeId, item: itemIds.get(l.chargeKey)! }] : [])),
    )
    if (pendingLinks.length) {
      await tx.execute(sql`
        update pending_charges p set invoice_item_id = v.item
        from jsonb_to_recordset(${JSON.stringify(pendingLinks)}::jsonb) as v(id int, item int) where p.id = v.id`)
    }
    for (const p of prepared) {
      outcomes.set(p.c.id, { customerId: p.c.id, status: 'invoiced', invoiceId: idOf.get(p.number)!, number: p.number, error: null })
    }
  }
  if (advances.length) {
    await tx.execute(sql`
      insert into service_billing (service_id, billed_through)
      select service_id, billed_through from jsonb_to_recordset(${JSON.stringify(advances)}::jsonb) as x(service_id int, billed_through date)
      on conflict (service_id) do update set billed_through = greatest(service_billing.billed_through, excluded.billed_through), updated_at = now()`)
  }
  return bills.map((b) => outcomes.get(b.customerId)!)
}
