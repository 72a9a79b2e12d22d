import { and, asc, count, eq, gte, ilike, inArray, lte, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import type { Actor } from '../../partners/scope.ts'
import { ordering, window, type Page, type PageQuery } from '../documents/paging.ts'
import { escapeLike } from '../invoices/read.ts'
import { invoices, paymentAllocations, payments } from '../schema.ts'
import type { PaymentMethod, PaymentRow } from './record.ts'
import { loadPayment } from './void.ts'

export interface PaymentQuery extends PageQuery {
  customerId?: number
  method?: PaymentMethod
  status?: 'posted' | 'void'
  from?: string
  to?: string
  /** Part of the receipt number, the reference or the customer's name. */
  search?: string
}

export type PaymentListRow = PaymentRow & { customerName: string; allocated: string }

const SORTS = { receivedOn: payments.receivedOn, amount: payments.amount, receiptNumber: payments.receiptNumber, customer: customers.name, method: payments.method }

function where(actor: Pick<Actor, 'partnerIds'>, q: PaymentQuery): SQL | undefined {
  const term = q.search?.trim()
  const like = term ? `%${escapeLike(term)}%` : ''
  return and(
    actor.partnerIds === null ? undefined : inArray(payments.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1]),
    q.customerId ? eq(payments.customerId, q.customerId) : undefined,
    q.method ? eq(payments.method, q.method) : undefined,
    q.status ? eq(payments.status, q.status) : undefined,
    q.from ? gte(payments.receivedOn, q.from) : undefined,
    q.to ? lte(payments.receivedOn, q.to) : undefined,
    term ? or(ilike(payments.receiptNumber, like), ilike(payments.reference, like), ilike(customers.name, like)) : undefined,
  )
}

const allocated = sql<string>`(select coalesce(sum(pa.amount), 0)::text from payment_allocations pa where pa.payment_id = payments.id)`

export async function listPayments(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, q: PaymentQuery): Promise<Page<PaymentListRow>> {
  const { page, perPage, offset } = window(q)
  const w = where(actor, q)
  const [items, [total]] = await Promise.all([
    db
      .select({ payment: payments, customerName: customers.name, allocated })
      .from(payments)
      .innerJoin(customers, eq(customers.id, payments.customerId))
      .where(w)
      .orderBy(...ordering(SORTS, q, 'receivedOn', payments.id))
      .limit(perPage)
      .offset(offset),
    db.select({ n: count() }).from(payments).innerJoin(customers, eq(customers.id, payments.customerId)).where(w),
  ])
  return { items: items.map((r) => ({ ...r.payment, customerName: r.customerName, allocated: r.allocated })), total: total!.n, page, perPage }
}

export async function* iteratePayments(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, q: PaymentQuery): AsyncGenerator<PaymentListRow> {
  for (let page = 1; ; page++) {
    const batch = await listPayments(db, actor, { ...q, page, perPage: 500 })
    yield* batch.items
    if (batch.items.length < 500) return
  }
}

export async function paymentDetail(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number) {
  const payment = await loadPayment(db, actor, id)
  const [customer] = await db.select({ id: customers.id, name: customers.name, login: customers.login }).from(customers).where(eq(customers.id, payment.customerId))
  const allocations = await db
    .select({ id: paymentAllocations.id, invoiceId: paymentAllocations.invoiceId, number: invoices.number, amount: paymentAllocations.amount, createdAt: paymentAllocations.createdAt })
    .from(paymentAllocations)
    .innerJoin(invoices, eq(invoices.id, paymentAllocations.invoiceId))
    .where(eq(paymentAllocations.paymentId, id))
    .orderBy(asc(paymentAllocations.id))
  return { payment, customer: customer!, allocations }
}
