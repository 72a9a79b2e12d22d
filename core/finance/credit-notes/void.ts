import { and, eq } from 'drizzle-orm'
import type { Db } from '../../../db/client.ts'
import { StateError, ValidationError } from '../../kernel/errors.ts'
import { neg } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { releaseCharges } from '../billing/charge-keys.ts'
import { adminId, audit, lockAccount, type FinanceDeps } from '../documents/common.ts'
import { appendLedger } from '../ledger.ts'
import { addAllocations, allocationsOf } from '../payments/allocation.ts'
import { creditNotes, ledgerEntries } from '../schema.ts'
import type { CreditNote } from './issue.ts'
import { creditNoteDetail } from './read.ts'

/** The rule the panel states next to the Void button. */
export const CREDIT_NOTE_VOID_RULE =
  'A void credit note keeps its number and is corrected in the ledger; the invoices its credit paid are open again. It cannot be voided once its credit was refunded: that money has left the account.'

/**
 * The credit of this note was used in a way a void cannot take back. Allocations to invoices can
 * always be taken back (the invoices simply become due again); money paid out to the customer (a
 * refund entry in the ledger pointing at the note) cannot: voiding would leave a debt the customer
 * never had. Issue a correcting invoice instead.
 */
export class CreditNoteUsedError extends StateError {
  constructor(
    readonly creditNote: string,
    readonly use: 'refunded',
  ) {
    super(`Credit note ${creditNote} was refunded to the customer: its credit cannot be taken back. Issue an invoice to correct it.`, { creditNote, use })
  }
}

/**
 * Voids a credit note: it keeps its number, its status becomes void, a credit_note_void debit corrects
 * its ledger credit, negative allocation rows take its credit back from every invoice it settled (they
 * become issued or overdue again), and charge keys it held (a billing run's credit) are released to be
 * billed again. Refused when void already or when its credit was refunded (CreditNoteUsedError).
 */
export async function voidCreditNote(db: Db, deps: FinanceDeps, actor: Actor, id: number, reason: string): Promise<CreditNote> {
  const why = reason?.trim() ?? ''
  if (!why) throw new ValidationError([{ field: 'reason', message: 'is required' }])
  if (why.length > 500) throw new ValidationError([{ field: 'reason', message: 'must be at most 500 characters' }])
  return db.transaction(async (tx) => {
    const seen = (await creditNoteDetail(tx, actor, id)).creditNote
    await lockAccount(tx, seen.customerId)
    const [before] = await tx.select().from(creditNotes).where(eq(creditNotes.id, id)).for('update')
    if (before!.status === 'void') throw new StateError(`Credit note ${before!.number} is already void`)
    const entries = await tx.select().from(ledgerEntries).where(eq(ledgerEntries.creditNoteId, id))
    if (entries.some((e) => e.kind === 'refund')) throw new CreditNoteUsedError(before!.number, 'refunded')

    const today = deps.clock.today().toString()
    const options = { now: deps.clock.now(), today }
    const taken = await allocationsOf(tx, { creditNoteId: id })
    await addAllocations(
      tx,
      taken.map((a) => ({ invoiceId: a.invoiceId, creditNoteId: id, amount: neg(a.amount) })),
      options,
    )
    const original = entries.find((e) => e.kind === 'credit_note')
    await appendLedger(tx, [
      {
        customerId: before!.customerId,
        partnerId: before!.partnerId,
        kind: 'credit_note_void',
        entryDate: today,
        debit: before!.total,
        description: `Credit note ${before!.number} void: ${why}`,
        creditNoteId: id,
        invoiceId: before!.invoiceId,
        correctsId: original?.id ?? null,
        createdBy: adminId(actor),
      },
    ])
    await releaseCharges(tx, { creditNoteId: id }, deps.clock.now())
    const [after] = await tx
      .update(creditNotes)
      .set({ status: 'void', voidedAt: deps.clock.now(), voidReason: why })
      .where(and(eq(creditNotes.id, id), eq(creditNotes.status, 'issued')))
      .returning()
    await audit(tx, deps, actor, 'credit_note.void', 'credit_note', id, after, before)
    await deps.emit(tx, 'credit_note.voided', {
      creditNoteId: id,
      customerId: before!.customerId,
      partnerId: before!.partnerId,
      invoiceId: before!.invoiceId,
      number: before!.number,
      total: before!.total,
      invoiceIds: taken.map((a) => a.invoiceId),
      reason: why,
    })
    return after!
  })
}
