import { and, asc, count, eq, gte, ilike, inArray, lte, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import { NotFoundError } from '../../kernel/errors.ts'
import type { Actor } from '../../partners/scope.ts'
import { validId } from '../documents/common.ts'
import { ordering, window, type Page, type PageQuery } from '../documents/paging.ts'
import { escapeLike } from '../invoices/read.ts'
import { creditNoteItems, creditNotes, documentTaxes, invoices } from '../schema.ts'
import type { CreditNote } from './issue.ts'

export interface CreditNoteQuery extends PageQuery {
  customerId?: number
  from?: string
  to?: string
  search?: string
}

export type CreditNoteListRow = CreditNote & { customerName: string; invoiceNumber: string | null }

const SORTS = { number: creditNotes.number, issueDate: creditNotes.issueDate, total: creditNotes.total, customer: customers.name }

function where(actor: Pick<Actor, 'partnerIds'>, q: CreditNoteQuery): SQL | undefined {
  const term = q.search?.trim()
  return and(
    actor.partnerIds === null ? undefined : inArray(creditNotes.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1]),
    q.customerId ? eq(creditNotes.customerId, q.customerId) : undefined,
    q.from ? gte(creditNotes.issueDate, q.from) : undefined,
    q.to ? lte(creditNotes.issueDate, q.to) : undefined,
    term ? or(ilike(creditNotes.number, `%${escapeLike(term)}%`), ilike(customers.name, `%${escapeLike(term)}%`)) : undefined,
  )
}

export async function listCreditNotes(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, q: CreditNoteQuery): Promise<Page<CreditNoteListRow>> {
  const { page, perPage, offset } = window(q)
  const w = where(actor, q)
  const [items, [total]] = await Promise.all([
    db
      .select({ note: creditNotes, customerName: customers.name, invoiceNumber: invoices.number })
      .from(creditNotes)
      .innerJoin(customers, eq(customers.id, creditNotes.customerId))
      .leftJoin(invoices, eq(invoices.id, creditNotes.invoiceId))
      .where(w)
      .orderBy(...ordering(SORTS, q, 'issueDate', creditNotes.id))
      .limit(perPage)
      .offset(offset),
    db.select({ n: count() }).from(creditNotes).innerJoin(customers, eq(customers.id, creditNotes.customerId)).where(w),
  ])
  return { items: items.map((r) => ({ ...r.note, customerName: r.customerName, invoiceNumber: r.invoiceNumber })), total: total!.n, page, perPage }
}

export async function creditNoteDetail(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number) {
  const [note] = validId(id) ? await db.select().from(creditNotes).where(eq(creditNotes.id, id)) : []
  if (!note || (actor.partnerIds !== null && !actor.partnerIds.includes(note.partnerId))) throw new NotFoundError('Credit note', id)
  const [items, taxes, invoice] = await Promise.all([
    db.select().from(creditNoteItems).where(eq(creditNoteItems.creditNoteId, id)).orderBy(asc(creditNoteItems.position)),
    db.select().from(documentTaxes).where(eq(documentTaxes.creditNoteId, id)).orderBy(asc(documentTaxes.id)),
    note.invoiceId ? db.select({ id: invoices.id, number: invoices.number }).from(invoices).where(eq(invoices.id, note.invoiceId)) : Promise.resolve([]),
  ])
  return { creditNote: note, items, taxes, invoice: invoice[0] ?? null }
}
