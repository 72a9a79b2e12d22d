import { and, asc, count, eq, gte, ilike, inArray, lte, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import { NotFoundError } from '../../kernel/errors.ts'
import type { Actor } from '../../partners/scope.ts'
import { validId } from '../documents/common.ts'
import { ordering, window, type Page, type PageQuery } from '../documents/paging.ts'
import { creditNotes, documentTaxes, invoiceItems, invoices, paymentAllocations, payments } from '../schema.ts'

export type Invoice = typeof invoices.$inferSelect
export type InvoiceItem = typeof invoiceItems.$inferSelect
export type InvoiceStatus = Invoice['status']
export const INVOICE_STATUSES = ['issued', 'paid', 'overdue', 'void'] as const

export interface InvoiceQuery extends PageQuery {
  kind?: 'invoice' | 'proforma'
  status?: InvoiceStatus
  customerId?: number
  from?: string
  to?: string
  /** Part of the number, or of the customer's name or login. */
  search?: string
  ids?: number[]
}

export type InvoiceListRow = Invoice & { customerName: string; customerLogin: string }

const SORTS = {
  number: invoices.number,
  issueDate: invoices.issueDate,
  dueDate: invoices.dueDate,
  total: invoices.total,
  status: invoices.status,
  customer: customers.name,
}
export const INVOICE_SORTS = Object.keys(SORTS)

function where(actor: Pick<Actor, 'partnerIds'>, q: InvoiceQuery): SQL | undefined {
  const term = q.search?.trim()
  return and(
    eq(invoices.kind, q.kind ?? 'invoice'),
    actor.partnerIds === null ? undefined : inArray(invoices.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1]),
    q.status ? eq(invoices.status, q.status) : undefined,
    q.customerId ? eq(invoices.customerId, q.customerId) : undefined,
    q.from ? gte(invoices.issueDate, q.from) : undefined,
    q.to ? lte(invoices.issueDate, q.to) : undefined,
    q.ids ? inArray(invoices.id, q.ids.length ? q.ids : [-1]) : undefined,
    term ? or(ilike(invoices.number, `%${escapeLike(term)}%`), ilike(customers.name, `%${escapeLike(term)}%`), ilike(customers.login, `%${escapeLike(term)}%`)) : undefined,
  )
}

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

export async function listInvoices(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, q: InvoiceQuery): Promise<Page<InvoiceListRow>> {
  const { page, perPage, offset } = window(q)
  const w = where(actor, q)
  const [items, [total]] = await Promise.all([
    db
      .select({ invoice: invoices, customerName: customers.name, customerLogin: customers.login })
      .from(invoices)
      .innerJoin(customers, eq(customers.id, invoices.customerId))
      .where(w)
      .orderBy(...ordering(SORTS, q, 'issueDate', invoices.id))
      .limit(perPage)
      .offset(offset),
    db.select({ n: count() }).from(invoices).innerJoin(customers, eq(customers.id, invoices.customerId)).where(w),
  ])
  return { items: items.map((r) => ({ ...r.invoice, customerName: r.customerName, customerLogin: r.customerLogin })), total: total!.n, page, perPage }
}

/** Every invoice of the filter in list order, in batches (CSV export, ZIP of PDFs). */
export async function* iterateInvoices(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, q: InvoiceQuery): AsyncGenerator<InvoiceListRow> {
  for (let page = 1; ; page++) {
    const batch = await listInvoices(db, actor, { ...q, page, perPage: 500 })
    yield* batch.items
    if (batch.items.length < 500) return
  }
}

/** An invoice the actor may see (its partner), or NotFound. */
export async function loadInvoice(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number, lock = false): Promise<Invoice> {
  const query = db.select().from(invoices).where(eq(invoices.id, validId(id) ? id : -1))
  const [row] = lock ? await query.for('update') : await query
  if (!row || (actor.partnerIds !== null && !actor.partnerIds.includes(row.partnerId))) throw new NotFoundError('Invoice', id)
  return row
}

export interface InvoiceDetail {
  invoice: Invoice
  items: InvoiceItem[]
  taxes: (typeof documentTaxes.$inferSelect)[]
  allocations: { id: number; paymentId: number | null; creditNoteId: number | null; amount: string; createdAt: Date; receiptNumber: string | null; creditNoteNumber: string | null }[]
  creditNotes: { id: number; number: string; total: string; status: string; issueDate: string }[]
}

export async function invoiceDetail(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<InvoiceDetail> {
  const invoice = await loadInvoice(db, actor, id)
  const [items, taxes, allocations, notes] = await Promise.all([
    db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, id)).orderBy(asc(invoiceItems.position)),
    db.select().from(documentTaxes).where(eq(documentTaxes.invoiceId, id)).orderBy(asc(documentTaxes.id)),
    db
      .select({
        id: paymentAllocations.id,
        paymentId: paymentAllocations.paymentId,
        creditNoteId: paymentAllocations.creditNoteId,
        amount: paymentAllocations.amount,
        createdAt: paymentAllocations.createdAt,
        receiptNumber: payments.receiptNumber,
        creditNoteNumber: creditNotes.number,
      })
      .from(paymentAllocations)
      .leftJoin(payments, eq(payments.id, paymentAllocations.paymentId))
      .leftJoin(creditNotes, eq(creditNotes.id, paymentAllocations.creditNoteId))
      .where(eq(paymentAllocations.invoiceId, id))
      .orderBy(asc(paymentAllocations.id)),
    db
      .select({ id: creditNotes.id, number: creditNotes.number, total: creditNotes.total, status: creditNotes.status, issueDate: creditNotes.issueDate })
      .from(creditNotes)
      .where(eq(creditNotes.invoiceId, id))
      .orderBy(asc(creditNotes.id)),
  ])
  return { invoice, items, taxes, allocations, creditNotes: notes }
}
