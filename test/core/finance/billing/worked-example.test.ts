import t from 'tap'
import { eq } from 'drizzle-orm'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { invoiceItems, invoices, serviceBilling } from '../../../../core/finance/schema.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { customer, mainPartner, plan, runBilling, service } from './fixtures.ts'

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const clock = new ManualClock('2026-02-01T08:00:00Z')
const partner = await mainPartner(db)

t.test('price 200, 31-day month, 19 days used: a real run invoices 122.58', async (t) => {
  const c = await customer(db, partner, { billingDay: 1 })
  const p = await plan(db, { name: 'Fiber 200', price: '200' })
  const s = await service(db, c, p, { start: '2026-01-13' })
  const { preview, committed } = await runBilling(db, clock, '2026-02-01')
  t.equal(preview.status, 'preview')
  t.equal(preview.total, '122.5800', 'the preview shows it')
  t.equal(committed.status, 'committed')
  t.equal(committed.invoices, 1)
  const [inv] = await db.select().from(invoices).where(eq(invoices.customerId, c))
  t.equal(inv!.total, '122.5800')
  t.equal(inv!.periodStart, '2026-01-13')
  t.equal(inv!.periodEnd, '2026-01-31')
  const items = await db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, inv!.id))
  t.same(
    items.map((i) => [i.amount, i.periodStart, i.periodEnd, i.chargeKey]),
    [['122.5800', '2026-01-13', '2026-01-31', `service:${s}:2026-01-13`]],
  )
  const [b] = await db.select().from(serviceBilling).where(eq(serviceBilling.serviceId, s))
  t.equal(b!.billedThrough, '2026-01-31')

  const again = await runBilling(db, clock, '2026-02-01')
  t.equal(again.preview.customers, 0, 'a re-run finds nothing due')
  t.equal((await db.select().from(invoices).where(eq(invoices.customerId, c))).length, 1)
})
