import { asc, eq } from 'drizzle-orm'
import type { Db } from '../../../db/client.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { StateError, ValidationError } from '../../kernel/errors.ts'
import type { Actor } from '../../partners/scope.ts'
import { adminId, audit, lockAccount, type FinanceDeps } from '../documents/common.ts'
import { allocateOpenCredit } from '../payments/allocation.ts'
import { invoiceItems, invoices } from '../schema.ts'
import { issueInvoice, loadIssueContext } from './issue.ts'
import { loadInvoice, type Invoice } from './read.ts'

/**
 * Turns a proforma into a real invoice: the same lines, a number from the invoice series, the ledger
 * debit the proforma never had. Each points at the other (proformaId); a proforma converts once.
 */
export async function convertProforma(
  db: Db,
  deps: FinanceDeps,
  actor: Actor,
  id: number,
  input: { issueDate?: string | null } = {},
): Promise<{ proforma: Invoice; invoice: Invoice }> {
  const issueDate = input.issueDate?.trim() || deps.clock.today().toString()
  if (!isIsoDate(issueDate)) throw new ValidationError([{ field: 'issueDate', message: 'must be a date (YYYY-MM-DD)' }])
  return db.transaction(async (tx) => {
    const seen = await loadInvoice(tx, actor, id)
    await lockAccount(tx, seen.customerId)
    const proforma = await loadInvoice(tx, actor, id, true)
    if (proforma.kind !== 'proforma') throw new StateError(`${proforma.number} is an invoice, not a proforma`)
    if (proforma.status === 'void') throw new StateError(`Proforma ${proforma.number} is void`)
    if (proforma.proformaId !== null) throw new StateError(`Proforma ${proforma.number} was already converted`)
    const items = await tx.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, id)).orderBy(asc(invoiceItems.position))
    const context = await loadIssueContext(tx)
    const issued = await issueInvoice(tx, context, {
      customerId: proforma.customerId,
      kind: 'invoice',
      issueDate,
      periodStart: proforma.periodStart,
      periodEnd: proforma.periodEnd,
      note: proforma.note,
      createdBy: adminId(actor),
      lines: items.map((i) => ({
        description: i.description,
        serviceId: i.serviceId,
        planId: i.planId,
        periodStart: i.periodStart,
        periodEnd: i.periodEnd,
        quantity: i.quantity,
        unitPrice: i.unitPrice,
        discountPercent: i.discountPercent,
        amount: i.amount,
        taxRateId: i.taxRateId,
      })),
    })
    await tx.update(invoices).set({ proformaId: proforma.id }).where(eq(invoices.id, issued.id))
    const [after] = await tx.update(invoices).set({ proformaId: issued.id }).where(eq(invoices.id, proforma.id)).returning()
    await allocateOpenCredit(tx, proforma.customerId, { now: deps.clock.now() })
    const [invoice] = await tx.select().from(invoices).where(eq(invoices.id, issued.id))
    await audit(tx, deps, actor, 'proforma.convert', 'invoice', proforma.id, { invoiceId: issued.id, number: issued.number })
    return { proforma: after!, invoice: invoice! }
  })
}
