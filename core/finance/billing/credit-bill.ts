import { sql } from 'drizzle-orm'
import type { Tx } from '../../../db/client.ts'
import { OUTBOX_CHANNEL } from '../../kernel/events/outbox.ts'
import { dec, toPg } from '../../kernel/money.ts'
import { nextNumber } from '../counters.ts'
import { customerSnapshot, priceLines, sellerSnapshot, type IssueContext } from '../invoices/issue.ts'
import { appendLedger } from '../ledger.ts'
import { insertRecords } from './bulk.ts'
import type { StoredLine } from './compute.ts'

type Customer = Parameters<typeof customerSnapshot>[0]

/**
 * Invoices are never negative: a customer whose run result is a credit (a plan change credit larger
 * than the new charges) gets a credit note for it instead. Each line keeps its charge key and is
 * printed with its sign turned (the credit positive, a charge on the same note negative), so the note's
 * total is exactly what the invoice would have owed the customer. Rare, so one at a time.
 */
export async function issueCreditBill(
  tx: Tx,
  context: IssueContext,
  issueDate: string,
  c: Customer,
  lines: readonly StoredLine[],
  options: { billingRunId?: number | null; createdBy?: number | null },
): Promise<{ id: number; number: string }> {
  const currency = context.core.currency
  const turned = lines.map((l) => ({ ...l, amount: dec(l.amount).negated().toFixed() }))
  const tax = priceLines(turned, context)
  if (!tax.gross.isPos()) throw new RangeError(`credit bill of customer ${c.id} is not a credit`)
  const { number } = await nextNumber(tx, 'credit_note', context.finance.creditNotePattern, { date: issueDate, partnerId: c.partnerId, customerId: c.id })
  const reason = options.billingRunId ? `Billing run #${options.billingRunId} of ${issueDate}: credit for changed services` : `Credit for changed services of ${issueDate}`
  const [note] = await insertRecords<{ id: number }>(
    tx,
    'credit_notes',
    [
      ['customer_id', 'int'], ['partner_id', 'int'], ['series', 'text'], ['number', 'text'], ['issue_date', 'date'], ['currency', 'text'],
      ['language', 'text'], ['net', 'numeric'], ['tax', 'numeric'], ['total', 'numeric'], ['reason', 'text'], ['customer_snapshot', 'jsonb'],
      ['seller_snapshot', 'jsonb'], ['created_by', 'int'],
    ],
    [
      {
        customer_id: c.id,
        partner_id: c.partnerId,
        series: 'credit_note',
        number,
        issue_date: issueDate,
        currency,
        language: c.language,
        net: toPg(tax.net),
        tax: toPg(tax.tax),
        total: toPg(tax.gross),
        reason,
        customer_snapshot: customerSnapshot(c),
        seller_snapshot: sellerSnapshot(context.core),
        created_by: options.createdBy ?? null,
      },
    ],
    'id',
  )
  const id = note!.id
  await insertRecords(
    tx,
    'credit_note_items',
    [
      ['credit_note_id', 'int'], ['position', 'int'], ['description', 'text'], ['service_id', 'int'], ['period_start', 'date'],
      ['period_end', 'date'], ['quantity', 'numeric'], ['unit_price', 'numeric'], ['amount', 'numeric'], ['tax_rate_id', 'int'],
      ['tax_percent', 'numeric'], ['tax_included', 'boolean'], ['charge_key', 'text'],
    ],
    turned.map((l, i) => {
      const rate = l.taxRateId ? context.taxRates.get(l.taxRateId) : undefined
      return {
        credit_note_id: id,
        position: i + 1,
        description: l.description,
        service_id: l.serviceId,
        period_start: l.periodStart,
        period_end: l.periodEnd,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        amount: l.amount,
        tax_rate_id: l.taxRateId,
        tax_percent: rate?.ratePercent ?? '0',
        tax_included: rate?.included ?? false,
        charge_key: l.chargeKey,
      }
    }),
  )
  await insertRecords(
    tx,
    'document_taxes',
    [['credit_note_id', 'int'], ['tax_rate_id', 'int'], ['rate_percent', 'numeric'], ['included', 'boolean'], ['net', 'numeric'], ['tax', 'numeric'], ['gross', 'numeric']],
    tax.groups.map((g) => ({
      credit_note_id: id,
      tax_rate_id: g.key === 'none' ? null : Number(g.key),
      rate_percent: toPg(g.ratePercent),
      included: g.included,
      net: toPg(g.net),
      tax: toPg(g.tax),
      gross: toPg(g.gross),
    })),
  )
  await appendLedger(tx, [
    {
      customerId: c.id,
      partnerId: c.partnerId,
      kind: 'credit_note',
      entryDate: issueDate,
      credit: tax.gross,
      description: `Credit note ${number}: ${reason}`,
      creditNoteId: id,
      createdBy: options.createdBy ?? null,
    },
  ])
  const event = { creditNoteId: id, customerId: c.id, partnerId: c.partnerId, invoiceId: null, number, total: toPg(tax.gross) }
  await tx.execute(sql`
    with e as (insert into outbox_events (type, payload) values ('credit_note.issued', ${JSON.stringify(event)}::jsonb) returning id)
    select pg_notify(${OUTBOX_CHANNEL}, max(id)::text) from e`)
  return { id, number }
}
