import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../../db/client.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { StateError, ValidationError, type FieldError } from '../../kernel/errors.ts'
import { allocate, dec, invoiceTax, isDecimalString, isRounded, min, toPg, type Decimal, type TaxableLine } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { nextNumber } from '../counters.ts'
import { adminId, audit, customerField, lockAccount, type FinanceDeps } from '../documents/common.ts'
import { customerSnapshot, loadCustomersForInvoice, loadIssueContext, sellerSnapshot } from '../invoices/issue.ts'
import { loadInvoice } from '../invoices/read.ts'
import { appendLedger } from '../ledger.ts'
import { addAllocations, allocateOpenCredit } from '../payments/allocation.ts'
import { creditNoteItems, creditNotes, documentTaxes, invoiceItems, invoices } from '../schema.ts'
import { financeSettings } from '../settings.ts'

export type CreditNote = typeof creditNotes.$inferSelect

export interface CreditNoteInput {
  /** Against an invoice (its customer is the credit note's) ... */
  invoiceId?: number | string | null
  /** ... or against the account. */
  customerId?: number | string | null
  issueDate?: string | null
  reason?: string | null
  /** Against an invoice: the lines to credit and how much of each (the line's own amount basis). */
  items?: { invoiceItemId: number | string; amount: string }[]
  /** Against an invoice: a partial amount with tax, split over the invoice's tax rates. */
  amount?: string | null
  /** Against the account: free lines (amount in the tax rate's basis: net, or gross when tax is included). */
  lines?: { description: string; amount: string; taxRateId?: number | string | null }[]
}

interface Line {
  invoiceItemId: number | null
  description: string
  serviceId: number | null
  periodStart: string | null
  periodEnd: string | null
  quantity: string
  unitPrice: string
  amount: Decimal
  taxRateId: number | null
  taxPercent: string
  taxIncluded: boolean
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

/** What can still be credited on an invoice: its total less the credit notes already issued against it. */
export async function creditableAmount(db: DbOrTx, invoiceId: number): Promise<Decimal> {
  const [row] = await db
    .select({
      left: sql<string>`(invoices.total - coalesce((select sum(cn.total) from credit_notes cn where cn.invoice_id = invoices.id and cn.status = 'issued'), 0))::text`,
    })
    .from(invoices)
    .where(eq(invoices.id, invoiceId))
  return dec(row?.left ?? '0')
}

/** Amount of each invoice line already credited. */
async function creditedPerItem(db: DbOrTx, invoiceId: number): Promise<Map<number, Decimal>> {
  const found = await db
    .select({ itemId: creditNoteItems.invoiceItemId, amount: sql<string>`sum(${creditNoteItems.amount})::text` })
    .from(creditNoteItems)
    .innerJoin(creditNotes, eq(creditNotes.id, creditNoteItems.creditNoteId))
    .where(and(eq(creditNotes.invoiceId, invoiceId), eq(creditNotes.status, 'issued')))
    .groupBy(creditNoteItems.invoiceItemId)
  return new Map(found.filter((r) => r.itemId !== null).map((r) => [r.itemId!, dec(r.amount)]))
}

function money(value: unknown, field: string, currency: string, errors: FieldError[]): Decimal | null {
  if (typeof value !== 'string' || !isDecimalString(value)) errors.push({ field, message: 'must be a decimal number such as 10.00' })
  else if (dec(value).lte(0)) errors.push({ field, message: 'must be greater than 0' })
  else if (!isRounded(value, currency)) errors.push({ field, message: `must be rounded to ${currency}` })
  else return dec(value)
  return null
}

/**
 * Issues a credit note, against an invoice (chosen lines, or a partial amount; never more than the
 * invoice's remaining creditable amount) or against the account: gapless 'credit_note' number, tax
 * per rate, a ledger credit, allocation to the invoice (its amount due falls), credit_note.issued.
 */
export async function issueCreditNote(db: Db, deps: FinanceDeps, actor: Actor, input: CreditNoteInput): Promise<CreditNote> {
  const errors: FieldError[] = []
  const reason = input.reason?.trim() ?? ''
  if (!reason) errors.push({ field: 'reason', message: 'is required' })
  if (reason.length > 500) errors.push({ field: 'reason', message: 'must be at most 500 characters' })
  const issueDate = blank(input.issueDate) ? deps.clock.today().toString() : String(input.issueDate)
  if (!isIsoDate(issueDate)) errors.push({ field: 'issueDate', message: 'must be a date (YYYY-MM-DD)' })
  const againstInvoice = !blank(input.invoiceId)
  if (!againstInvoice && blank(input.customerId)) errors.push({ field: 'invoiceId', message: 'name an invoice, or a customer for a credit to the account' })
  if (errors.length) throw new ValidationError(errors)

  return db.transaction(async (tx) => {
    const core = await coreSettings(tx)
    const context = await loadIssueContext(tx)
    const currency = core.currency
    let customerId: number
    let invoiceId: number | null = null
    const lines: Line[] = []
    if (againstInvoice) {
      const id = Number(input.invoiceId)
      const seen = await loadInvoice(tx, actor, Number.isInteger(id) ? id : -1).catch(() => null)
      if (!seen) throw new ValidationError([{ field: 'invoiceId', message: `invoice ${String(input.invoiceId)} does not exist` }])
      await lockAccount(tx, seen.customerId)
      const invoice = await loadInvoice(tx, actor, id, true)
      if (invoice.kind !== 'invoice') throw new StateError(`${invoice.number} is a proforma: void it instead of crediting it`)
      if (invoice.status === 'void') throw new StateError(`Invoice ${invoice.number} is void`)
      customerId = invoice.customerId
      invoiceId = invoice.id
      const items = await tx.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, id)).orderBy(asc(invoiceItems.position))
      if (input.items?.length) {
        const credited = await creditedPerItem(tx, id)
        for (const [i, pick] of input.items.entries()) {
          const item = items.find((x) => x.id === Number(pick.invoiceItemId))
          if (!item) {
            errors.push({ field: `items.${i}.invoiceItemId`, message: `is not a line of invoice ${invoice.number}` })
            continue
          }
          const amount = money(pick.amount, `items.${i}.amount`, currency, errors)
          if (!amount) continue
          const left = dec(item.amount).minus(credited.get(item.id) ?? dec('0'))
          if (amount.gt(left)) {
            errors.push({ field: `items.${i}.amount`, message: `at most ${left.toFixed(2)} of this line can still be credited` })
            continue
          }
          lines.push({
            invoiceItemId: item.id,
            description: item.description,
            serviceId: item.serviceId,
            periodStart: item.periodStart,
            periodEnd: item.periodEnd,
            quantity: '1',
            unitPrice: amount.toFixed(),
            amount,
            taxRateId: item.taxRateId,
            taxPercent: item.taxPercent,
            taxIncluded: item.taxIncluded,
          })
        }
      } else {
        const amount = money(input.amount, 'amount', currency, errors)
        if (amount) {
          const groups = await tx.select().from(documentTaxes).where(eq(documentTaxes.invoiceId, id)).orderBy(asc(documentTaxes.id))
          const positive = groups.filter((g) => dec(g.gross).gt(0))
          const shares = positive.length ? allocate(amount, positive.map((g) => g.gross), currency) : [amount]
          shares.forEach((share, i) => {
            const g = positive[i]
            if (share.isZero()) return
            lines.push({
              invoiceItemId: null,
              description: `Credit for invoice ${invoice.number}${g && positive.length > 1 ? ` (${dec(g.ratePercent).toFixed()} %)` : ''}`,
              serviceId: null,
              periodStart: null,
              periodEnd: null,
              quantity: '1',
              unitPrice: share.toFixed(),
              amount: share,
              taxRateId: g?.taxRateId ?? null,
              taxPercent: g?.ratePercent ?? '0',
              // The share already holds its tax: the credit note's gross is exactly the amount asked.
              taxIncluded: true,
            })
          })
        }
      }
      if (!errors.length && !lines.length) errors.push({ field: 'items', message: 'choose at least one line, or give an amount' })
      if (errors.length) throw new ValidationError(errors)
      const gross = invoiceTax(lines.map(taxable), currency).gross
      const left = await creditableAmount(tx, id)
      if (gross.gt(left))
        throw new ValidationError([{ field: input.items?.length ? 'items' : 'amount', message: `at most ${left.toFixed(2)} of invoice ${invoice.number} can still be credited (this credit note would be ${gross.toFixed(2)})` }])
    } else {
      const customer = await customerField(tx, actor, input.customerId)
      await lockAccount(tx, customer.id)
      customerId = customer.id
      const given = input.lines ?? []
      if (!given.length) errors.push({ field: 'lines', message: 'a credit to the account needs at least one line' })
      for (const [i, line] of given.entries()) {
        const description = line.description?.trim() ?? ''
        if (!description) errors.push({ field: `lines.${i}.description`, message: 'is required' })
        const amount = money(line.amount, `lines.${i}.amount`, currency, errors)
        const rateId = blank(line.taxRateId) ? null : Number(line.taxRateId)
        const rate = rateId === null ? undefined : context.taxRates.get(rateId)
        if (rateId !== null && !rate) errors.push({ field: `lines.${i}.taxRateId`, message: `tax rate ${String(line.taxRateId)} does not exist` })
        if (!amount || !description) continue
        lines.push({
          invoiceItemId: null,
          description,
          serviceId: null,
          periodStart: null,
          periodEnd: null,
          quantity: '1',
          unitPrice: amount.toFixed(),
          amount,
          taxRateId: rateId,
          taxPercent: rate?.ratePercent ?? '0',
          taxIncluded: rate?.included ?? false,
        })
      }
      if (errors.length) throw new ValidationError(errors)
    }

    const tax = invoiceTax(lines.map(taxable), currency)
    const [c] = (await loadCustomersForInvoice(tx, [customerId])).values()
    const finance = await financeSettings(tx)
    const { number } = await nextNumber(tx, 'credit_note', finance.creditNotePattern, { date: issueDate, partnerId: c!.partnerId, customerId })
    const [note] = await tx
      .insert(creditNotes)
      .values({
        customerId,
        partnerId: c!.partnerId,
        invoiceId,
        series: 'credit_note',
        number,
        issueDate,
        currency,
        language: c!.language,
        net: toPg(tax.net),
        tax: toPg(tax.tax),
        total: toPg(tax.gross),
        reason,
        customerSnapshot: customerSnapshot(c!),
        sellerSnapshot: sellerSnapshot(core),
        createdBy: adminId(actor),
        createdAt: deps.clock.now(),
      })
      .returning()
    const cn = note!
    await tx.insert(creditNoteItems).values(
      lines.map((l, i) => ({
        creditNoteId: cn.id,
        position: i + 1,
        invoiceItemId: l.invoiceItemId,
        description: l.description,
        serviceId: l.serviceId,
        periodStart: l.periodStart,
        periodEnd: l.periodEnd,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        amount: toPg(l.amount),
        taxRateId: l.taxRateId,
        taxPercent: l.taxPercent,
        taxIncluded: l.taxIncluded,
      })),
    )
    await tx.insert(documentTaxes).values(
      tax.groups.map((g) => {
        const line = lines.find((l) => groupKey(l) === g.key)!
        return {
          creditNoteId: cn.id,
          taxRateId: line.taxRateId,
          ratePercent: toPg(g.ratePercent),
          included: g.included,
          net: toPg(g.net),
          tax: toPg(g.tax),
          gross: toPg(g.gross),
        }
      }),
    )
    await appendLedger(tx, [
      {
        customerId,
        partnerId: c!.partnerId,
        kind: 'credit_note',
        entryDate: issueDate,
        credit: tax.gross,
        description: `Credit note ${number}: ${reason}`,
        creditNoteId: cn.id,
        invoiceId,
        createdBy: adminId(actor),
      },
    ])
    const options = { now: deps.clock.now(), today: deps.clock.today().toString() }
    if (invoiceId !== null) {
      const [inv] = await tx
        .select({ total: invoices.total, paid: invoices.paidAmount })
        .from(invoices)
        .where(and(eq(invoices.id, invoiceId), inArray(invoices.status, ['issued', 'overdue'])))
      const due = inv ? dec(inv.total).minus(dec(inv.paid)) : dec('0')
      if (due.gt(0)) await addAllocations(tx, [{ invoiceId, creditNoteId: cn.id, amount: min(due, tax.gross) }], options)
    }
    await allocateOpenCredit(tx, customerId, options)
    await audit(tx, deps, actor, 'credit_note.create', 'credit_note', cn.id, { ...cn, lines: lines.map((l) => ({ ...l, amount: l.amount.toFixed() })) })
    await deps.emit(tx, 'credit_note.issued', {
      creditNoteId: cn.id,
      customerId,
      partnerId: c!.partnerId,
      invoiceId,
      number,
      total: cn.total,
    })
    return cn
  })
}

const groupKey = (l: Line) => `${l.taxRateId ?? 'none'}:${l.taxPercent}:${l.taxIncluded ? 'incl' : 'excl'}`
const taxable = (l: Line): TaxableLine => ({ amount: l.amount, ratePercent: l.taxPercent, included: l.taxIncluded, key: groupKey(l) })
