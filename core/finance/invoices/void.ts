import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../../../db/client.ts'
import { StateError, ValidationError } from '../../kernel/errors.ts'
import { dec, sum } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { adminId, audit, lockAccount, type FinanceDeps } from '../documents/common.ts'
import { releaseCharges } from '../billing/charge-keys.ts'
import { appendLedger } from '../ledger.ts'
import { invoiceItems, invoices, ledgerEntries, paymentAllocations, pendingCharges } from '../schema.ts'
import { loadInvoice, type Invoice } from './read.ts'

/** The rule the panel states next to the Void button. */
export const VOID_RULE =
  'A void invoice keeps its number and is corrected in the ledger; the periods and charges it billed are billed again by the next run. It cannot be voided while payments or credit notes are applied to it: unallocate the payments first, or issue a credit note for the rest.'

/** Issued invoices never change; corrections are credit notes. */
export function refuseInvoiceEdit(invoice: Pick<Invoice, 'number' | 'status' | 'kind'>): never {
  const what = invoice.kind === 'proforma' ? 'Proforma invoice' : 'Invoice'
  throw new StateError(
    `${what} ${invoice.number} is ${invoice.status} and cannot be changed: issued documents are immutable. Issue a credit note to correct it${invoice.kind === 'proforma' ? ', or void it' : ''}.`,
  )
}

/**
 * Voids an invoice: it keeps its number, its status becomes void, and a correcting ledger credit
 * (kind invoice_void) cancels its debit. One-off charges it carried are opened again for the next
 * invoice, and its recurring charges are released to be billed again (releaseCharges). Refused while
 * payments or credit notes are allocated to it.
 */
export async function voidInvoice(db: Db, deps: FinanceDeps, actor: Actor, id: number, reason: string): Promise<Invoice> {
  const why = reason?.trim() ?? ''
  if (!why) throw new ValidationError([{ field: 'reason', message: 'is required' }])
  if (why.length > 500) throw new ValidationError([{ field: 'reason', message: 'must be at most 500 characters' }])
  return db.transaction(async (tx) => {
    const seen = await loadInvoice(tx, actor, id)
    await lockAccount(tx, seen.customerId)
    const before = await loadInvoice(tx, actor, id, true)
    if (before.status === 'void') throw new StateError(`Invoice ${before.number} is already void`)
    const applied = await tx.select({ amount: paymentAllocations.amount }).from(paymentAllocations).where(eq(paymentAllocations.invoiceId, id))
    if (!sum(applied.map((a) => a.amount)).isZero()) throw new StateError(`Invoice ${before.number} has payments or credit notes applied. ${VOID_RULE}`)

    if (before.kind === 'invoice') {
      const entries = await tx
        .select()
        .from(ledgerEntries)
        .where(and(eq(ledgerEntries.invoiceId, id), eq(ledgerEntries.kind, 'invoice')))
      for (const e of entries) {
        const debit = dec(e.debit)
        await appendLedger(tx, [
          {
            customerId: e.customerId,
            partnerId: e.partnerId,
            kind: 'invoice_void',
            entryDate: deps.clock.today().toString(),
            ...(debit.gt(0) ? { credit: debit } : { debit: dec(e.credit) }),
            description: `Invoice ${before.number} void: ${why}`,
            invoiceId: id,
            correctsId: e.id,
            createdBy: adminId(actor),
          },
        ])
      }
      const items = tx.select({ id: invoiceItems.id }).from(invoiceItems).where(eq(invoiceItems.invoiceId, id))
      await tx.update(pendingCharges).set({ invoiceItemId: null }).where(inArray(pendingCharges.invoiceItemId, items))
    }
    await releaseCharges(tx, { invoiceId: id }, deps.clock.now())
    const [after] = await tx
      .update(invoices)
      .set({ status: 'void', voidedAt: deps.clock.now(), voidReason: why })
      .where(eq(invoices.id, id))
      .returning()
    await audit(tx, deps, actor, `${before.kind}.void`, 'invoice', id, after, before)
    await deps.emit(tx, before.kind === 'invoice' ? 'invoice.voided' : 'proforma.voided', {
      invoiceId: id,
      customerId: before.customerId,
      partnerId: before.partnerId,
      number: before.number,
      total: before.total,
      reason: why,
    })
    return after!
  })
}
