import { eq } from 'drizzle-orm'
import { customers } from '../../../../core/customers/schema.ts'
import { adminId, type FinanceDeps } from '../../../../core/finance/documents/common.ts'
import { issueInvoice, loadIssueContext } from '../../../../core/finance/invoices/issue.ts'
import { invoices } from '../../../../core/finance/schema.ts'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { partners } from '../../../../core/partners/schema.ts'
import type { Actor } from '../../../../core/partners/scope.ts'
import type { Db } from '../../../../db/client.ts'

export const person: Actor = { type: 'admin', id: null, name: 'tester', partnerIds: null }

export function financeDeps(at = '2026-03-10T09:00:00Z'): FinanceDeps & { clock: ManualClock } {
  return { clock: new ManualClock(at), emit: emitEvent }
}

let seq = 0

/** A partner and a customer of it. */
export async function newCustomer(db: Db, options: { partnerId?: number; login?: string } = {}): Promise<{ id: number; partnerId: number }> {
  seq += 1
  let partnerId = options.partnerId
  if (!partnerId) {
    const [p] = await db.insert(partners).values({ name: `Partner ${seq}-${Math.random().toString(36).slice(2, 6)}` }).returning({ id: partners.id })
    partnerId = p!.id
  }
  const [c] = await db
    .insert(customers)
    .values({ partnerId, login: options.login ?? `cust${seq}_${Math.random().toString(36).slice(2, 6)}`, name: `Customer ${seq}`, dateAdded: '2026-01-01' })
    .returning({ id: customers.id })
  return { id: c!.id, partnerId }
}

/** An invoice issued the way the billing run issues one (one untaxed line). */
export async function invoiceFor(db: Db, customerId: number, amount: string, issueDate = '2026-03-01'): Promise<typeof invoices.$inferSelect> {
  const context = await loadIssueContext(db)
  return db.transaction((tx) =>
    issueInvoice(tx, context, {
      customerId,
      issueDate,
      lines: [{ description: 'Internet', quantity: '1', unitPrice: amount, amount }],
      createdBy: adminId(person),
    }),
  )
}

export async function invoiceRow(db: Db, id: number) {
  const [row] = await db.select().from(invoices).where(eq(invoices.id, id))
  return row!
}
