import { and, eq } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../../db/client.ts'
import { NotFoundError, StateError, ValidationError } from '../../kernel/errors.ts'
import { neg } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { accountCustomer, adminId, audit, lockAccount, validId, type FinanceDeps } from '../documents/common.ts'
import { appendLedger } from '../ledger.ts'
import { ledgerEntries, payments } from '../schema.ts'
import { addAllocations, allocationsOf } from './allocation.ts'
import { assertPosted, type PaymentRow } from './record.ts'

export async function loadPayment(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<PaymentRow> {
  const [p] = validId(id) ? await db.select().from(payments).where(eq(payments.id, id)) : []
  if (!p) throw new NotFoundError('Payment', id)
  await accountCustomer(db, actor, p.customerId).catch(() => {
    throw new NotFoundError('Payment', id)
  })
  return p
}

/**
 * Voids a payment: a payment_void debit that corrects its ledger credit, negative allocation rows
 * taking it back from every invoice it paid (they revert to issued or overdue), status void.
 */
export async function voidPayment(db: Db, deps: FinanceDeps, actor: Actor, id: number, reason: string): Promise<PaymentRow> {
  const why = reason?.trim() ?? ''
  if (!why) throw new ValidationError([{ field: 'reason', message: 'is required' }])
  if (why.length > 500) throw new ValidationError([{ field: 'reason', message: 'must be at most 500 characters' }])
  return db.transaction(async (tx) => {
    const before = await loadPayment(tx, actor, id)
    await lockAccount(tx, before.customerId)
    const [p] = await tx.select().from(payments).where(eq(payments.id, id)).for('update')
    assertPosted(p!)
    const taken = await allocationsOf(tx, { paymentId: id })
    const today = deps.clock.today().toString()
    await addAllocations(
      tx,
      taken.map((a) => ({ invoiceId: a.invoiceId, paymentId: id, amount: neg(a.amount) })),
      { now: deps.clock.now(), today },
    )
    const [entry] = await tx
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.paymentId, id), eq(ledgerEntries.kind, 'payment')))
    await appendLedger(tx, [
      {
        customerId: p!.customerId,
        partnerId: p!.partnerId,
        kind: 'payment_void',
        entryDate: today,
        debit: p!.amount,
        description: `Payment ${p!.receiptNumber ?? p!.id} void: ${why}`,
        paymentId: id,
        correctsId: entry?.id ?? null,
        createdBy: adminId(actor),
      },
    ])
    const [after] = await tx
      .update(payments)
      .set({ status: 'void', voidedAt: deps.clock.now(), voidReason: why })
      .where(eq(payments.id, id))
      .returning()
    await audit(tx, deps, actor, 'payment.void', 'payment', id, after, before)
    await deps.emit(tx, 'payment.voided', {
      paymentId: id,
      customerId: p!.customerId,
      partnerId: p!.partnerId,
      amount: p!.amount,
      invoiceIds: taken.map((a) => a.invoiceId),
    })
    return after!
  })
}

/**
 * Takes a payment off one invoice (or off every invoice it pays when invoiceId is null); the money
 * stays on the account as credit. The way to void an invoice that was paid by mistake.
 */
export async function unallocatePayment(
  db: Db,
  deps: FinanceDeps,
  actor: Actor,
  paymentId: number,
  invoiceId: number | null,
): Promise<{ invoiceId: number; amount: string }[]> {
  return db.transaction(async (tx) => {
    const p = await loadPayment(tx, actor, paymentId)
    await lockAccount(tx, p.customerId)
    assertPosted(p)
    const taken = (await allocationsOf(tx, { paymentId })).filter((a) => invoiceId === null || a.invoiceId === invoiceId)
    if (!taken.length) throw new StateError(`Payment ${p.receiptNumber ?? p.id} is not allocated${invoiceId ? ` to invoice ${invoiceId}` : ''}`)
    await addAllocations(
      tx,
      taken.map((a) => ({ invoiceId: a.invoiceId, paymentId, amount: neg(a.amount) })),
      { now: deps.clock.now(), today: deps.clock.today().toString() },
    )
    const out = taken.map((a) => ({ invoiceId: a.invoiceId, amount: a.amount.toFixed() }))
    await audit(tx, deps, actor, 'payment.unallocate', 'payment', paymentId, { unallocated: out })
    return out
  })
}
