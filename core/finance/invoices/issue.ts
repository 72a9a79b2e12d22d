import { eq, inArray } from 'drizzle-orm'
import type { DbOrTx, Tx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import { addDays, formatDate, toDate } from '../../kernel/dates.ts'
import { emitEvent } from '../../kernel/events/outbox.ts'
import { NotFoundError, ValidationError, type FieldError } from '../../kernel/errors.ts'
import { dec, invoiceTax, isRounded, toPg, type InvoiceTax } from '../../kernel/money.ts'
import { taxRates } from '../../plans/schema.ts'
import { coreSettings, type CoreSettingsValue } from '../../settings/core-settings.ts'
import { nextNumber } from '../counters.ts'
import { appendLedger } from '../ledger.ts'
import { customerBilling, documentTaxes, invoiceItems, invoices } from '../schema.ts'
import { financeSettings, type FinanceSettingsValue } from '../settings.ts'

export interface InvoiceLineInput {
  description: string
  serviceId?: number | null
  planId?: number | null
  periodStart?: string | null
  periodEnd?: string | null
  /** Decimal strings. */
  quantity: string
  unitPrice: string
  discountPercent?: string
  /**
   * The line amount, rounded to the currency: the net, or the gross when the line's tax rate is
   * "included". Negative for a credit line (unused days of a plan change).
   */
  amount: string
  taxRateId?: number | null
  /** 'service:12:2026-01-01' or a plugin's sourceKey: the same charge is invoiced once, ever. */
  chargeKey?: string | null
}

export interface IssueInvoiceInput {
  customerId: number
  kind?: 'invoice' | 'proforma'
  issueDate: string
  /** Default: issue date + the customer's (or the settings') payment due days. */
  dueDate?: string
  periodStart?: string | null
  periodEnd?: string | null
  lines: readonly InvoiceLineInput[]
  note?: string | null
  billingRunId?: number | null
  createdBy?: number | null
}

export type InvoiceRow = typeof invoices.$inferSelect

/** What issuing needs besides the input: loaded once per request or per billing-run batch. */
export interface IssueContext {
  core: CoreSettingsValue
  finance: FinanceSettingsValue
  taxRates: Map<number, { ratePercent: string; included: boolean }>
}

export async function loadIssueContext(db: DbOrTx): Promise<IssueContext> {
  const [core, finance, rates] = await Promise.all([
    coreSettings(db),
    financeSettings(db),
    db.select({ id: taxRates.id, ratePercent: taxRates.ratePercent, included: taxRates.included }).from(taxRates),
  ])
  return { core, finance, taxRates: new Map(rates.map((r) => [r.id, { ratePercent: r.ratePercent, included: r.included }])) }
}

export function sellerSnapshot(core: CoreSettingsValue): Record<string, string | null> {
  return {
    companyName: core.companyName,
    street: core.street || null,
    city: core.city || null,
    zip: core.zip || null,
    country: core.country || null,
    email: core.email || null,
    phone: core.phone || null,
    taxId: core.taxId || null,
  }
}

type CustomerForInvoice = Pick<
  typeof customers.$inferSelect,
  'id' | 'partnerId' | 'login' | 'name' | 'companyName' | 'street' | 'city' | 'zip' | 'country' | 'vatId' | 'email' | 'billingEmail' | 'language'
> & { paymentDueDays: number | null }

export function customerSnapshot(c: CustomerForInvoice): Record<string, string | null> {
  return {
    login: c.login,
    name: c.name,
    companyName: c.companyName,
    street: c.street,
    city: c.city,
    zip: c.zip,
    country: c.country,
    vatId: c.vatId,
    email: c.billingEmail ?? c.email,
  }
}

export async function loadCustomersForInvoice(db: DbOrTx, ids: readonly number[]): Promise<Map<number, CustomerForInvoice>> {
  if (!ids.length) return new Map()
  const found = await db
    .select({
      id: customers.id,
      partnerId: customers.partnerId,
      login: customers.login,
      name: customers.name,
      companyName: customers.companyName,
      street: customers.street,
      city: customers.city,
      zip: customers.zip,
      country: customers.country,
      vatId: customers.vatId,
      email: customers.email,
      billingEmail: customers.billingEmail,
      language: customers.language,
      paymentDueDays: customerBilling.paymentDueDays,
    })
    .from(customers)
    .leftJoin(customerBilling, eq(customerBilling.customerId, customers.id))
    .where(inArray(customers.id, [...ids]))
  return new Map(found.map((c) => [c.id, c]))
}

/** Checks the lines and computes the invoice's tax once per rate. */
export function priceLines(lines: readonly InvoiceLineInput[], context: IssueContext): InvoiceTax {
  const currency = context.core.currency
  const fields: FieldError[] = []
  if (!lines.length) fields.push({ field: 'lines', message: 'an invoice needs at least one line' })
  const taxable = lines.map((line, i) => {
    const at = (f: string) => `lines.${i}.${f}`
    if (!line.description?.trim()) fields.push({ field: at('description'), message: 'is required' })
    for (const f of ['quantity', 'unitPrice', 'amount'] as const) {
      try {
        dec(line[f])
      } catch {
        fields.push({ field: at(f), message: 'must be a decimal number' })
      }
    }
    if (!fields.length && !isRounded(line.amount, currency))
      fields.push({ field: at('amount'), message: `must be rounded to ${currency}` })
    if (!fields.length && dec(line.quantity).lte(0)) fields.push({ field: at('quantity'), message: 'must be greater than 0' })
    const rate = line.taxRateId ? context.taxRates.get(line.taxRateId) : undefined
    if (line.taxRateId && !rate) fields.push({ field: at('taxRateId'), message: `tax rate ${line.taxRateId} does not exist` })
    return {
      amount: fields.length ? '0' : line.amount,
      ratePercent: rate?.ratePercent ?? '0',
      included: rate?.included ?? false,
      key: line.taxRateId ?? 'none',
    }
  })
  if (fields.length) throw new ValidationError(fields)
  return invoiceTax(taxable, currency)
}

/**
 * Issues an invoice (or a proforma) inside the caller's transaction: number from the gapless
 * counter, lines, tax per rate, the ledger debit (invoices only) and `invoice.issued`. A line whose
 * chargeKey was already invoiced makes the insert fail (unique index): nothing is billed twice.
 * Auditing is the caller's (one entry per billing run, not per invoice).
 */
export async function issueInvoice(
  tx: Tx,
  context: IssueContext,
  input: IssueInvoiceInput,
  customer?: CustomerForInvoice,
): Promise<InvoiceRow> {
  const c = customer ?? (await loadCustomersForInvoice(tx, [input.customerId])).get(input.customerId)
  if (!c) throw new NotFoundError('Customer', input.customerId)
  const kind = input.kind ?? 'invoice'
  const issueDate = toDate(input.issueDate, 'issueDate')
  const dueDays = c.paymentDueDays ?? context.finance.paymentDueDays
  const dueDate = input.dueDate ? toDate(input.dueDate, 'dueDate') : addDays(issueDate, dueDays)
  if (dueDate.until(issueDate).sign > 0)
    throw new ValidationError([{ field: 'dueDate', message: 'must not be before the issue date' }])
  const tax = priceLines(input.lines, context)

  const series = kind === 'invoice' ? 'invoice' : 'proforma'
  const pattern = kind === 'invoice' ? context.finance.invoicePattern : context.finance.proformaPattern
  const { number } = await nextNumber(tx, series, pattern, {
    date: issueDate,
    partnerId: c.partnerId,
    customerId: c.id,
  })
  const [invoice] = await tx
    .insert(invoices)
    .values({
      kind,
      customerId: c.id,
      partnerId: c.partnerId,
      series,
      number,
      issueDate: formatDate(issueDate),
      dueDate: formatDate(dueDate),
      periodStart: input.periodStart ?? null,
      periodEnd: input.periodEnd ?? null,
      currency: context.core.currency,
      language: c.language,
      net: toPg(tax.net),
      tax: toPg(tax.tax),
      total: toPg(tax.gross),
      customerSnapshot: customerSnapshot(c),
      sellerSnapshot: sellerSnapshot(context.core),
      note: input.note ?? null,
      billingRunId: input.billingRunId ?? null,
      createdBy: input.createdBy ?? null,
    })
    .returning()
  const row = invoice!
  await tx.insert(invoiceItems).values(
    input.lines.map((line, i) => {
      const rate = line.taxRateId ? context.taxRates.get(line.taxRateId) : undefined
      return {
        invoiceId: row.id,
        position: i + 1,
        description: line.description.trim(),
        serviceId: line.serviceId ?? null,
        planId: line.planId ?? null,
        periodStart: line.periodStart ?? null,
        periodEnd: line.periodEnd ?? null,
        quantity: toPg(line.quantity),
        unitPrice: toPg(line.unitPrice),
        discountPercent: toPg(line.discountPercent ?? '0'),
        amount: toPg(line.amount),
        taxRateId: line.taxRateId ?? null,
        taxPercent: rate?.ratePercent ?? '0',
        taxIncluded: rate?.included ?? false,
        chargeKey: line.chargeKey ?? null,
      }
    }),
  )
  await tx.insert(documentTaxes).values(
    tax.groups.map((g) => ({
      invoiceId: row.id,
      taxRateId: g.key === 'none' ? null : Number(g.key),
      ratePercent: toPg(g.ratePercent),
      included: g.included,
      net: toPg(g.net),
      tax: toPg(g.tax),
      gross: toPg(g.gross),
    })),
  )
  if (kind === 'invoice' && !tax.gross.isZero()) {
    const positive = tax.gross.isPos()
    await appendLedger(tx, [
      {
        customerId: c.id,
        partnerId: c.partnerId,
        kind: 'invoice',
        entryDate: row.issueDate,
        ...(positive ? { debit: tax.gross } : { credit: tax.gross.neg() }),
        description: `Invoice ${number}`,
        invoiceId: row.id,
        createdBy: input.createdBy ?? null,
      },
    ])
  }
  await emitEvent(tx, kind === 'invoice' ? 'invoice.issued' : 'proforma.issued', {
    invoiceId: row.id,
    customerId: c.id,
    partnerId: c.partnerId,
    number,
    total: row.total,
    dueDate: row.dueDate,
  })
  return row
}
