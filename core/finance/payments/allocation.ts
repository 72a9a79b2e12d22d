import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { emitEvent } from '../../kernel/events/outbox.ts'
import { dec, min, sum, toPg, ZERO, type Decimal } from '../../kernel/money.ts'
import { lockAccount } from '../documents/common.ts'
import { creditNotes, invoices, paymentAllocations, payments } from '../schema.ts'

export interface OpenInvoice {
  id: number
  number: string
  paymentReference: string | null
  issueDate: string
  dueDate: string
  total: string
  /** Still to pay: total − allocations. */
  due: Decimal
}

export interface AllocationInput {
  invoiceId: number
  paymentId?: number | null
  creditNoteId?: number | null
  amount: Decimal
}

export interface RefreshOptions {
  /** paidAt of invoices that become paid; the database's now() when absent. */
  now?: Date
  /** An invoice that stops being paid becomes overdue when its due date is before this day. */
  today?: string
}

/** A customer's invoices (not proforma, not void) with something left to pay, oldest first. */
export async function openInvoices(tx: DbOrTx, customerId: number): Promise<OpenInvoice[]> {
  const found = await tx
    .select({
      id: invoices.id,
      number: invoices.number,
      paymentReference: invoices.paymentReference,
      issueDate: invoices.issueDate,
      dueDate: invoices.dueDate,
      total: invoices.total,
      paid: invoices.paidAmount,
    })
    .from(invoices)
    .where(
      and(
        eq(invoices.customerId, customerId),
        eq(invoices.kind, 'invoice'),
        inArray(invoices.status, ['issued', 'overdue']),
        gt(invoices.total, invoices.paidAmount),
      ),
    )
    .orderBy(asc(invoices.issueDate), asc(invoices.id))
  return found.map(({ paid, ...r }) => ({ ...r, due: dec(r.total).minus(dec(paid)) }))
}

/**
 * Recomputes paid amount and status of invoices from their allocations: paid when the allocations
 * reach the total (emits invoice.paid), back to issued (or overdue after its due date) when a void
 * or an unallocation takes money away. Void invoices keep their status.
 */
export async function refreshInvoices(tx: DbOrTx, invoiceIds: readonly number[], options: RefreshOptions = {}): Promise<void> {
  const ids = [...new Set(invoiceIds)]
  if (!ids.length) return
  const found = await tx
    .select({
      id: invoices.id,
      customerId: invoices.customerId,
      partnerId: invoices.partnerId,
      number: invoices.number,
      status: invoices.status,
      total: invoices.total,
      paidAmount: invoices.paidAmount,
      paidAt: invoices.paidAt,
      dueDate: invoices.dueDate,
      allocated: sql<string>`(select coalesce(sum(pa.amount), 0)::text from payment_allocations pa where pa.invoice_id = invoices.id)`,
    })
    .from(invoices)
    .where(inArray(invoices.id, ids))
    .orderBy(asc(invoices.id))
    .for('update', { of: invoices })
  for (const inv of found) {
    const paid = dec(inv.allocated)
    let status = inv.status
    if (status !== 'void') {
      if (paid.gte(dec(inv.total))) status = 'paid'
      else if (status === 'paid') status = options.today && inv.dueDate < options.today ? 'overdue' : 'issued'
    }
    const paidAt = status === 'paid' ? (inv.paidAt ?? options.now ?? sql`now()`) : null
    if (status === inv.status && paid.eq(dec(inv.paidAmount)) && (status === 'paid') === (inv.paidAt !== null)) continue
    await tx.update(invoices).set({ paidAmount: toPg(paid), status, paidAt }).where(eq(invoices.id, inv.id))
    if (status === 'paid' && inv.status !== 'paid') {
      await emitEvent(tx, 'invoice.paid', {
        invoiceId: inv.id,
        customerId: inv.customerId,
        partnerId: inv.partnerId,
        number: inv.number,
        total: inv.total,
      })
    }
  }
}

/** Writes allocation rows (negative ones undo) and refreshes the invoices they touch. */
export async function addAllocations(tx: DbOrTx, rows: readonly AllocationInput[], options: RefreshOptions = {}): Promise<void> {
  const real = rows.filter((r) => !r.amount.isZero())
  if (!real.length) return
  await tx.insert(paymentAllocations).values(
    real.map((r) => ({
      invoiceId: r.invoiceId,
      paymentId: r.paymentId ?? null,
      creditNoteId: r.creditNoteId ?? null,
      amount: toPg(r.amount),
      ...(options.now ? { createdAt: options.now } : {}),
    })),
  )
  await refreshInvoices(
    tx,
    real.map((r) => r.invoiceId),
    options,
  )
}

/**
 * Spreads an amount over open invoices: the preferred ones first (in the order given), then the
 * oldest (FIFO). Mutates `open` (their due amounts) so one list serves several sources. Returns the
 * allocations; whatever is left over stays as credit on the account.
 */
export function planAllocation(amount: Decimal, open: OpenInvoice[], preferred: readonly number[] = []): { invoiceId: number; amount: Decimal }[] {
  const order = [
    ...preferred.map((id) => open.find((o) => o.id === id)).filter((o): o is OpenInvoice => o !== undefined),
    ...open.filter((o) => !preferred.includes(o.id)),
  ]
  const out: { invoiceId: number; amount: Decimal }[] = []
  let left = amount
  for (const inv of order) {
    if (left.lte(0)) break
    if (inv.due.lte(0)) continue
    const take = min(left, inv.due)
    out.push({ invoiceId: inv.id, amount: take })
    inv.due = inv.due.minus(take)
    left = left.minus(take)
  }
  return out
}

/**
 * Which open invoice a payment is meant for (Splynx): one whose number (or payment reference) the
 * payer's reference names, else the one whose amount due equals the payment. Null when no single
 * invoice matches: the payment then goes to the oldest invoices first.
 */
export function matchInvoice(open: readonly OpenInvoice[], amount: Decimal, reference: string | null | undefined): number | null {
  const ref = reference?.trim().toLowerCase()
  if (ref) {
    const words = new Set(ref.split(/[^\p{L}\p{N}/_-]+/u).filter(Boolean))
    const named = open.filter((o) => {
      const keys = [o.number, o.paymentReference].filter((k): k is string => !!k).map((k) => k.toLowerCase())
      return keys.some((k) => k === ref || words.has(k))
    })
    if (named.length === 1) return named[0]!.id
  }
  const exact = open.filter((o) => o.due.eq(amount))
  return exact.length === 1 ? exact[0]!.id : null
}

export interface CreditSource {
  paymentId?: number
  creditNoteId?: number
  left: Decimal
}

/** Payments and credit notes of a customer with money not yet allocated to invoices, oldest first. */
export async function openCredit(tx: DbOrTx, customerId: number): Promise<CreditSource[]> {
  const paid = await tx
    .select({
      id: payments.id,
      left: sql<string>`(payments.amount - coalesce((select sum(pa.amount) from payment_allocations pa where pa.payment_id = payments.id), 0))::text`,
    })
    .from(payments)
    .where(and(eq(payments.customerId, customerId), eq(payments.status, 'posted')))
    .orderBy(asc(payments.receivedOn), asc(payments.id))
  const credited = await tx
    .select({
      id: creditNotes.id,
      left: sql<string>`(credit_notes.total - coalesce((select sum(pa.amount) from payment_allocations pa where pa.credit_note_id = credit_notes.id), 0))::text`,
    })
    .from(creditNotes)
    .where(and(eq(creditNotes.customerId, customerId), eq(creditNotes.status, 'issued')))
    .orderBy(asc(creditNotes.issueDate), asc(creditNotes.id))
  return [
    ...credited.map((c) => ({ creditNoteId: c.id, left: dec(c.left) })),
    ...paid.map((p) => ({ paymentId: p.id, left: dec(p.left) })),
  ].filter((s) => s.left.gt(0))
}

/** Unallocated credit of a customer (overpayments, account credit notes). */
export async function openCreditTotal(tx: DbOrTx, customerId: number): Promise<Decimal> {
  return sum((await openCredit(tx, customerId)).map((s) => s.left))
}

/**
 * Settles a customer's open invoices with the credit already on the account (overpayments, account
 * credit notes), oldest invoices first. The billing run calls it after issuing a customer's invoice,
 * in the same transaction; so do manual invoices. Returns the amount allocated.
 */
export async function allocateOpenCredit(tx: DbOrTx, customerId: number, options: RefreshOptions = {}): Promise<Decimal> {
  // Most customers have no credit: one read and done. With credit, lock the account and read again,
  // so a payment being recorded at the same moment cannot allocate the same money twice.
  if (!(await openCredit(tx, customerId)).length) return ZERO
  await lockAccount(tx, customerId)
  const sources = await openCredit(tx, customerId)
  if (!sources.length) return ZERO
  const open = await openInvoices(tx, customerId)
  if (!open.length) return ZERO
  const rows: AllocationInput[] = []
  for (const s of sources) {
    for (const a of planAllocation(s.left, open)) rows.push({ ...a, paymentId: s.paymentId ?? null, creditNoteId: s.creditNoteId ?? null })
  }
  await addAllocations(tx, rows, options)
  return sum(rows.map((r) => r.amount))
}

/** Net allocations per invoice of one payment or credit note (what a void has to take back). */
export async function allocationsOf(tx: DbOrTx, source: { paymentId: number } | { creditNoteId: number }): Promise<{ invoiceId: number; amount: Decimal }[]> {
  const where =
    'paymentId' in source ? eq(paymentAllocations.paymentId, source.paymentId) : eq(paymentAllocations.creditNoteId, source.creditNoteId)
  const found = await tx
    .select({ invoiceId: paymentAllocations.invoiceId, amount: sql<string>`sum(${paymentAllocations.amount})::text` })
    .from(paymentAllocations)
    .where(where)
    .groupBy(paymentAllocations.invoiceId)
    .orderBy(asc(paymentAllocations.invoiceId))
  return found.map((r) => ({ invoiceId: r.invoiceId, amount: dec(r.amount) })).filter((r) => !r.amount.isZero())
}
