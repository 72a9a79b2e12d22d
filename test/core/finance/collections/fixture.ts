import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../../../../db/client.ts'
import { customers } from '../../../../core/customers/schema.ts'
import { issueInvoice, loadIssueContext } from '../../../../core/finance/invoices/issue.ts'
import { recordPayment } from '../../../../core/finance/payments/record.ts'
import { customerBilling } from '../../../../core/finance/schema.ts'
import type { Clock } from '../../../../core/kernel/clock.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { ensureMainPartner } from '../../../../core/partners/bootstrap.ts'
import { partners } from '../../../../core/partners/schema.ts'
import { systemActor } from '../../../../core/partners/scope.ts'

let seq = 0

/** Customers, invoices and payments for collections and report tests, through the real finance functions. */
export function financeFixture(db: Db, clock: Clock) {
  const deps = { clock, emit: emitEvent }
  return {
    deps,
    async partnerId(): Promise<number> {
      await ensureMainPartner(db)
      const [p] = await db.select().from(partners).orderBy(partners.id).limit(1)
      return p!.id
    },
    async customer(terms: Partial<typeof customerBilling.$inferInsert> = {}, options: { partnerId?: number; status?: 'active' | 'new' } = {}) {
      seq++
      const partnerId = options.partnerId ?? (await this.partnerId())
      const [c] = await db
        .insert(customers)
        .values({ partnerId, login: `fx${seq}-${Math.random().toString(36).slice(2, 7)}`, name: `Customer ${seq}`, status: options.status ?? 'active', dateAdded: '2026-01-01' })
        .returning()
      await db.insert(customerBilling).values({ customerId: c!.id, ...terms })
      return c!
    },
    async invoice(customerId: number, issueDate: string, amount: string, extra: { planId?: number; taxRateId?: number } = {}) {
      const context = await loadIssueContext(db)
      return db.transaction((tx) =>
        issueInvoice(tx, context, {
          customerId,
          issueDate,
          lines: [{ description: 'Internet', quantity: '1', unitPrice: amount, amount, planId: extra.planId ?? null, taxRateId: extra.taxRateId ?? null }],
        }),
      )
    },
    async pay(customerId: number, amount: string, receivedOn: string) {
      return recordPayment(db, deps, systemActor, { customerId, method: 'cash', amount, receivedOn })
    },
    async status(customerId: number) {
      const [c] = await db.select({ status: customers.status }).from(customers).where(eq(customers.id, customerId))
      return c!.status
    },
    /** Events of a type about one customer. */
    async events(type: string, customerId: number) {
      const found = await db.execute(
        sql`select payload from outbox_events where type = ${type} and (payload->>'customerId')::int = ${customerId} order by id`,
      )
      return (Array.isArray(found) ? found : (found as { rows: unknown[] }).rows) as { payload: Record<string, unknown> }[]
    },
    async billing(customerId: number) {
      const [b] = await db.select().from(customerBilling).where(and(eq(customerBilling.customerId, customerId)))
      return b!
    },
  }
}
