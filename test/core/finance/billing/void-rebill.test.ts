import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { voidInvoice } from '../../../../core/finance/invoices/void.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { invoiceItems, ledgerEntries, pendingCharges } from '../../../../core/finance/schema.ts'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { rows } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, runBilling, service } from './fixtures.ts'

t.setTimeout(600_000)

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const partner = await mainPartner(db)

interface Doc {
  id: number
  number: string
  status: string
  total: string
}

const invoicesOf = (customerId: number) =>
  rows<Doc>(db, sql`select id, number, status::text, total::text from invoices where customer_id = ${customerId} order by id`)

const linesOf = (invoiceId: number) =>
  rows<{ description: string; amount: string; chargeKey: string | null; periodStart: string | null; released: boolean }>(
    db,
    sql`select description, amount::text, charge_key as "chargeKey", period_start::text as "periodStart", released_at is not null as released
        from invoice_items where invoice_id = ${invoiceId} order by position`,
  )

const billedThrough = async (serviceId: number) =>
  (await rows<{ d: string }>(db, sql`select billed_through::text as d from service_billing where service_id = ${serviceId}`))[0]?.d ?? null

const deps = (at: string) => ({ clock: new ManualClock(at), emit: emitEvent })

t.test('a voided invoice releases its periods and one-off charges: the next run bills them again, once', async (t) => {
  const clock = new ManualClock('2026-02-01T06:00:00Z')
  const p = await plan(db, { name: 'Rebill 100', price: '100' })
  const c = await customer(db, partner)
  const s = await service(db, c, p, { start: '2026-01-01' })
  await db.insert(pendingCharges).values({ customerId: c, description: 'Router', chargeDate: '2026-01-20', unitPrice: '20', sourceKey: `router:${c}` })

  await runBilling(db, clock, '2026-02-01')
  const [first] = await invoicesOf(c)
  t.equal(first!.total, '120.0000', 'January and the router')
  t.equal((await customerBalance(db, c)).toFixed(2), '-120.00')
  const printed = await linesOf(first!.id)

  await voidInvoice(db, deps('2026-02-03T10:00:00Z'), admin, first!.id, 'wrong address')
  t.equal((await customerBalance(db, c)).toFixed(2), '0.00', 'the void corrects the ledger')
  t.equal(await billedThrough(s), null, 'the service counts as never billed again')
  const [pending] = await db.select().from(pendingCharges).where(eq(pendingCharges.customerId, c))
  t.equal(pending!.invoiceItemId, null, 'the router charge is open again')

  const again = await runBilling(db, clock, '2026-02-01')
  t.equal(again.preview.customers, 1, 'the preview shows the released charges')
  t.equal(again.preview.total, '120.0000')
  const [voided, second] = await invoicesOf(c)
  t.equal(voided!.status, 'void')
  t.equal(voided!.number, first!.number, 'the void invoice keeps its number')
  t.not(second!.number, first!.number, 'the new invoice has a new number')
  t.equal(second!.total, first!.total, 'and the same amount')
  t.same(
    (await linesOf(voided!.id)).map(({ released, ...l }) => l),
    printed.map(({ released, ...l }) => l),
    'the void invoice keeps its lines and keys as printed',
  )
  t.ok((await linesOf(voided!.id)).every((l) => l.released), 'its keys no longer hold the charges')
  t.same(
    (await linesOf(second!.id)).map((l) => [l.description, l.amount, l.chargeKey]),
    printed.map((l) => [l.description, l.amount, l.chargeKey]),
    'the new invoice carries the same charges under the same keys',
  )
  const [relinked] = await db.select().from(pendingCharges).where(eq(pendingCharges.customerId, c))
  const [item] = await db.select().from(invoiceItems).where(eq(invoiceItems.id, relinked!.invoiceItemId!))
  t.equal(item!.invoiceId, second!.id, 'the router charge now belongs to the new invoice')
  t.equal(await billedThrough(s), '2026-01-31')
  t.equal((await customerBalance(db, c)).toFixed(2), '-120.00')
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.invoiceId, voided!.id))
  t.same(entries.map((e) => [e.kind, e.debit, e.credit]).sort(), [['invoice', '120.0000', '0.0000'], ['invoice_void', '0.0000', '120.0000']])

  const third = await runBilling(db, clock, '2026-02-01')
  t.equal(third.preview.customers, 0, 'a re-run bills nothing')
  t.equal((await invoicesOf(c)).length, 2)
  t.equal((await customerBalance(db, c)).toFixed(2), '-120.00')
})

t.test('voiding an older invoice re-bills its period only, never the later one a live invoice holds', async (t) => {
  const p = await plan(db, { name: 'Hole 31', price: '31' })
  const c = await customer(db, partner)
  const s = await service(db, c, p, { start: '2026-01-01' })
  await runBilling(db, new ManualClock('2026-02-01T06:00:00Z'), '2026-02-01')
  await runBilling(db, new ManualClock('2026-03-01T06:00:00Z'), '2026-03-01')
  const [jan, feb] = await invoicesOf(c)
  t.equal((await linesOf(feb!.id))[0]!.periodStart, '2026-02-01')
  await voidInvoice(db, deps('2026-03-05T10:00:00Z'), admin, jan!.id, 'duplicate customer')
  t.equal((await customerBalance(db, c)).toFixed(2), '-31.00')

  const clock = new ManualClock('2026-03-05T06:00:00Z')
  await runBilling(db, clock, '2026-03-05')
  const docs = await invoicesOf(c)
  t.equal(docs.length, 3)
  t.same(
    (await linesOf(docs[2]!.id)).map((l) => [l.periodStart, l.amount, l.chargeKey]),
    [['2026-01-01', '31.0000', `service:${s}:2026-01-01`]],
    'January again; February stays on its live invoice',
  )
  t.equal((await customerBalance(db, c)).toFixed(2), '-62.00')
  t.equal((await runBilling(db, clock, '2026-03-05')).preview.customers, 0, 'a re-run bills nothing')

  await runBilling(db, new ManualClock('2026-04-01T06:00:00Z'), '2026-04-01')
  const april = (await invoicesOf(c)).at(-1)!
  t.same((await linesOf(april.id)).map((l) => [l.periodStart, l.amount]), [['2026-03-01', '31.0000']], 'the next period follows as usual')
  t.equal(await billedThrough(s), '2026-03-31')
  t.equal((await customerBalance(db, c)).toFixed(2), '-93.00')
})

t.test('a prepaid invoice voided: the period billed ahead is billed again', async (t) => {
  const p = await plan(db, { name: 'Ahead 50', price: '50' })
  const c = await customer(db, partner, { type: 'recurring_prepaid' })
  const s = await service(db, c, p, { start: '2026-01-01' })
  const clock = new ManualClock('2026-02-01T06:00:00Z')
  await runBilling(db, new ManualClock('2026-01-01T06:00:00Z'), '2026-01-01')
  await runBilling(db, clock, '2026-02-01')
  const [, feb] = await invoicesOf(c)
  await voidInvoice(db, deps('2026-02-02T10:00:00Z'), admin, feb!.id, 'price agreed later')
  t.equal(await billedThrough(s), '2026-01-31')
  await runBilling(db, clock, '2026-02-01')
  const docs = await invoicesOf(c)
  t.same(docs.map((d) => [d.status, d.total]), [['issued', '50.0000'], ['void', '50.0000'], ['issued', '50.0000']])
  t.same((await linesOf(docs[2]!.id)).map((l) => l.periodStart), ['2026-02-01'])
  t.equal((await runBilling(db, clock, '2026-02-01')).preview.customers, 0)
  t.equal((await customerBalance(db, c)).toFixed(2), '-100.00')
})
