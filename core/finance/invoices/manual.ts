import { eq } from 'drizzle-orm'
import type { Db, Tx } from '../../../db/client.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { ValidationError, type FieldError } from '../../kernel/errors.ts'
import { dec, isDecimalString, round } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { planForPartner } from '../../services/access.ts'
import { adminId, audit, customerField, lockAccount, type FinanceDeps } from '../documents/common.ts'
import { allocateOpenCredit } from '../payments/allocation.ts'
import { invoices } from '../schema.ts'
import { issueInvoice, loadIssueContext, type InvoiceLineInput, type IssueContext } from './issue.ts'
import type { Invoice } from './read.ts'

export interface ManualLineInput {
  description?: string | null
  /** A one-time plan: its text, price and tax rate fill what the line leaves empty. */
  planId?: number | string | null
  quantity?: string | null
  unitPrice?: string | null
  discountPercent?: string | null
  taxRateId?: number | string | null
}

export interface ManualInvoiceInput {
  customerId?: number | string | null
  kind?: 'invoice' | 'proforma'
  issueDate?: string | null
  dueDate?: string | null
  note?: string | null
  lines?: ManualLineInput[]
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '')
const idOf = (v: unknown): number | null => (blank(v) ? null : /^\d+$/.test(String(v)) ? Number(v) : Number.NaN)

/**
 * Lines of a form (description, quantity, unit price, discount %, tax rate, or a one-time plan) as
 * invoice lines: amount = quantity × unit price less the discount, rounded once to the currency.
 */
export async function manualLines(tx: Tx, context: IssueContext, partnerId: number, lines: readonly ManualLineInput[]): Promise<InvoiceLineInput[]> {
  const errors: FieldError[] = []
  const out: InvoiceLineInput[] = []
  if (!lines.length) errors.push({ field: 'lines', message: 'an invoice needs at least one line' })
  for (const [i, line] of lines.entries()) {
    const at = (f: string) => `lines.${i}.${f}`
    const planId = idOf(line.planId)
    let description = line.description?.trim() ?? ''
    let unitPrice = blank(line.unitPrice) ? null : String(line.unitPrice).trim()
    let taxRateId = idOf(line.taxRateId)
    if (planId !== null) {
      const plan = Number.isInteger(planId) ? await planForPartner(tx, planId, partnerId) : null
      if (plan?.type !== 'one_time') {
        errors.push({ field: at('planId'), message: `plan ${String(line.planId)} is not an active one-time plan of this customer's partner` })
        continue
      }
      description ||= plan!.invoiceText ?? plan!.name
      unitPrice ??= dec(plan!.price).toFixed()
      if (blank(line.taxRateId)) taxRateId = plan!.taxRateId
    }
    const quantity = blank(line.quantity) ? '1' : String(line.quantity).trim()
    const discount = blank(line.discountPercent) ? '0' : String(line.discountPercent).trim()
    if (!description) errors.push({ field: at('description'), message: 'is required' })
    if (description.length > 500) errors.push({ field: at('description'), message: 'must be at most 500 characters' })
    if (!isDecimalString(quantity) || dec(quantity).lte(0)) errors.push({ field: at('quantity'), message: 'must be a number greater than 0' })
    if (unitPrice === null || !isDecimalString(unitPrice)) errors.push({ field: at('unitPrice'), message: 'must be a decimal number such as 19.99' })
    else if (dec(unitPrice).isNeg()) errors.push({ field: at('unitPrice'), message: 'must not be negative (credits go on credit notes)' })
    if (!isDecimalString(discount) || dec(discount).isNeg() || dec(discount).gt(100))
      errors.push({ field: at('discountPercent'), message: 'must be from 0 to 100' })
    if (taxRateId !== null && !context.taxRates.has(taxRateId)) errors.push({ field: at('taxRateId'), message: `tax rate ${String(line.taxRateId)} does not exist` })
    if (errors.length) continue
    const gross = dec(quantity).times(dec(unitPrice!))
    const amount = round(gross.minus(gross.times(dec(discount)).div(100)), context.core.currency)
    out.push({
      description,
      planId,
      quantity,
      unitPrice: unitPrice!,
      discountPercent: discount,
      amount: amount.toFixed(),
      taxRateId,
    })
  }
  if (errors.length) throw new ValidationError(errors)
  return out
}

/**
 * An invoice or proforma made by hand. A real invoice takes the customer's unallocated credit at once
 * (an earlier overpayment pays it). Audited; invoice.issued comes from issueInvoice.
 */
export async function createManualInvoice(db: Db, deps: FinanceDeps, actor: Actor, input: ManualInvoiceInput): Promise<Invoice> {
  const kind = input.kind ?? 'invoice'
  if (kind !== 'invoice' && kind !== 'proforma') throw new ValidationError([{ field: 'kind', message: 'must be invoice or proforma' }])
  const issueDate = blank(input.issueDate) ? deps.clock.today().toString() : String(input.issueDate)
  const errors: FieldError[] = []
  if (!isIsoDate(issueDate)) errors.push({ field: 'issueDate', message: 'must be a date (YYYY-MM-DD)' })
  if (!blank(input.dueDate) && !isIsoDate(String(input.dueDate))) errors.push({ field: 'dueDate', message: 'must be a date (YYYY-MM-DD)' })
  if (input.note && input.note.length > 2000) errors.push({ field: 'note', message: 'must be at most 2000 characters' })
  if (errors.length) throw new ValidationError(errors)
  return db.transaction(async (tx) => {
    const customer = await customerField(tx, actor, input.customerId)
    await lockAccount(tx, customer.id)
    const context = await loadIssueContext(tx)
    const lines = await manualLines(tx, context, customer.partnerId, input.lines ?? [])
    const invoice = await issueInvoice(tx, context, {
      customerId: customer.id,
      kind,
      issueDate,
      ...(blank(input.dueDate) ? {} : { dueDate: String(input.dueDate) }),
      lines,
      note: input.note?.trim() || null,
      createdBy: adminId(actor),
    })
    if (kind === 'invoice') await allocateOpenCredit(tx, customer.id, { now: deps.clock.now() })
    const [fresh] = await tx.select().from(invoices).where(eq(invoices.id, invoice.id))
    await audit(tx, deps, actor, `${kind}.create`, 'invoice', invoice.id, { ...fresh, lines })
    return fresh!
  })
}
