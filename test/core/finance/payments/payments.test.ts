import t from 'tap'
import { and, eq, sql } from 'drizzle-orm'
import { testDatabase } from '../../../helpers/db.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { allocateOpenCredit } from '../../../../core/finance/payments/allocation.ts'
import { recordPayment } from '../../../../core/finance/payments/record.ts'
import { unallocatePayment, voidPayment } from '../../../../core/finance/payments/void.ts'
import { ledgerEntries, paymentAllocations, payments } from '../../../../core/finance/schema.ts'
import { outboxEvents } from '../../../../core/kernel/events/schema.ts'
import { ValidationError } from '../../../../core/kernel/errors.ts'
import { sub } from '../../../../core/kernel/money.ts'
import { financeDeps, invoiceFor, invoiceRow, newCustomer, person } from '../documents/fixtures.ts'

// The machine running the suite is shared and slow on the embedded database.
t.setTimeout(600_000)

const handle = await testDatabase()
t.teardown(() => handle.close())
const db = handle.db
const deps = financeDeps()

const ledgerSums = async (customerId: number) => {
  const [r] = await db
    .select({ credits: sql<string>`coalesce(sum(credit),0)::text`, debits: sql<string>`coalesce(sum(debit),0)::text` })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.customerId, customerId))
  return r!
}

t.test('a payment whose amount matches exactly one open invoice links itself to it', async (t) => {
  const c = await newCustomer(db)
  const older = await invoiceFor(db, c.id, '30.00', '2026-01-01')
  const matching = await invoiceFor(db, c.id, '45.50', '2026-02-01')
  const { payment, allocations } = await recordPayment(db, deps, person, { customerId: c.id, method: 'bank_transfer', amount: '45.50' })
  t.same(allocations, [{ invoiceId: matching.id, amount: '45.5' }])
  t.equal((await invoiceRow(db, matching.id)).status, 'paid')
  t.equal((await invoiceRow(db, older.id)).status, 'issued', 'FIFO would have picked the older one')
  t.match(payment.receiptNumber, /^2026-02-\d{5}$/, 'receipt number from the receipt pattern, type 02 = bank transfer')
  const [event] = await db.select().from(outboxEvents).where(and(eq(outboxEvents.type, 'payment.received'), sql`${outboxEvents.payload}->>'paymentId' = ${String(payment.id)}`))
  t.equal((event!.payload as { customerId: number }).customerId, c.id, 'payment.received carries the customer')
})

t.test('a reference naming an invoice number links to it; otherwise the oldest invoices are paid first', async (t) => {
  const c = await newCustomer(db)
  const a = await invoiceFor(db, c.id, '20.00', '2026-01-01')
  const b = await invoiceFor(db, c.id, '20.00', '2026-02-01')
  const named = await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '5.00', reference: `Invoice ${b.number} thanks` })
  t.same(named.allocations, [{ invoiceId: b.id, amount: '5' }])
  const fifo = await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '30.00' })
  t.same(fifo.allocations, [
    { invoiceId: a.id, amount: '20' },
    { invoiceId: b.id, amount: '10' },
  ])
  t.equal((await invoiceRow(db, a.id)).status, 'paid')
  const bRow = await invoiceRow(db, b.id)
  t.equal(bRow.status, 'issued')
  t.equal(bRow.paidAmount, '15.0000')
})

t.test('an overpayment stays as credit and pays the next invoice when it is issued', async (t) => {
  const c = await newCustomer(db)
  const first = await invoiceFor(db, c.id, '40.00', '2026-01-01')
  await recordPayment(db, deps, person, { customerId: c.id, method: 'card', amount: '100.00' })
  t.equal((await invoiceRow(db, first.id)).status, 'paid')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '60.00', 'the rest is credit on the balance')
  const next = await invoiceFor(db, c.id, '50.00', '2026-02-01')
  t.equal((await invoiceRow(db, next.id)).status, 'issued', 'issueInvoice itself does not allocate')
  const used = await db.transaction((tx) => allocateOpenCredit(tx, c.id))
  t.equal(used.toFixed(2), '50.00')
  t.equal((await invoiceRow(db, next.id)).status, 'paid')
  const third = await invoiceFor(db, c.id, '50.00', '2026-03-01')
  await db.transaction((tx) => allocateOpenCredit(tx, c.id))
  const row = await invoiceRow(db, third.id)
  t.equal(row.status, 'issued')
  t.equal(row.paidAmount, '10.0000', 'only the 10 left of the credit')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-40.00')
})

t.test('a gateway payment recorded twice (webhook retried, even at the same time) pays once', async (t) => {
  const c = await newCustomer(db)
  const inv = await invoiceFor(db, c.id, '25.00')
  const input = { customerId: c.id, method: 'online', amount: '25.00', gateway: 'stripe', gatewayReference: 'pi_123' }
  const [one, two] = await Promise.all([recordPayment(db, deps, person, input), recordPayment(db, deps, person, input)])
  const again = await recordPayment(db, deps, person, input)
  t.equal(one.payment.id, two.payment.id)
  t.equal(again.payment.id, one.payment.id)
  t.equal([one, two, again].filter((r) => r.created).length, 1)
  const rows = await db.select().from(payments).where(eq(payments.customerId, c.id))
  t.equal(rows.length, 1)
  t.equal((await customerBalance(db, c.id)).toFixed(2), '0.00')
  t.equal((await invoiceRow(db, inv.id)).status, 'paid')
})

t.test('bad payments are refused naming the field, nothing saved', async (t) => {
  const before = await db.select({ n: sql<number>`count(*)::int` }).from(payments)
  const noCustomer = await recordPayment(db, deps, person, { method: 'cash', amount: '10.00' }).catch((e) => e)
  t.ok(noCustomer instanceof ValidationError)
  t.same(noCustomer.fields.map((f: { field: string }) => f.field), ['customerId'])
  const c = await newCustomer(db)
  const bad = await recordPayment(db, deps, person, { customerId: c.id, method: 'barter', amount: '-1' }).catch((e) => e)
  t.same(bad.fields.map((f: { field: string }) => f.field).sort(), ['amount', 'method'])
  const after = await db.select({ n: sql<number>`count(*)::int` }).from(payments)
  t.equal(after[0]!.n, before[0]!.n)
})

t.test('voiding a payment debits the ledger, takes back its allocations and reverts the invoices', async (t) => {
  const c = await newCustomer(db)
  const inv = await invoiceFor(db, c.id, '60.00', '2026-01-01')
  const { payment } = await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '60.00' })
  t.equal((await invoiceRow(db, inv.id)).status, 'paid')
  const voided = await voidPayment(db, deps, person, payment.id, 'bounced')
  t.equal(voided.status, 'void')
  const row = await invoiceRow(db, inv.id)
  t.equal(row.status, 'overdue', 'due 2026-01-16, today is 2026-03-10')
  t.equal(row.paidAmount, '0.0000')
  const allocs = await db.select().from(paymentAllocations).where(eq(paymentAllocations.paymentId, payment.id))
  t.same(allocs.map((a) => a.amount).sort(), ['-60.0000', '60.0000'])
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.paymentId, payment.id))
  t.same(entries.map((e) => [e.kind, e.debit, e.credit]), [['payment', '0.0000', '60.0000'], ['payment_void', '60.0000', '0.0000']])
  t.equal(entries[1]!.correctsId, entries[0]!.id)
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-60.00')
  await t.rejects(voidPayment(db, deps, person, payment.id, 'again'), /void/)
})

t.test('unallocating a payment leaves the money as credit', async (t) => {
  const c = await newCustomer(db)
  const inv = await invoiceFor(db, c.id, '10.00')
  const { payment } = await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '10.00' })
  await unallocatePayment(db, deps, person, payment.id, inv.id)
  t.equal((await invoiceRow(db, inv.id)).status, 'issued')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '0.00', 'the ledger is untouched')
})

t.test('balance = credits − debits for every customer touched here', async (t) => {
  const ids = await db.select({ id: ledgerEntries.customerId }).from(ledgerEntries).groupBy(ledgerEntries.customerId)
  t.ok(ids.length >= 5)
  for (const { id } of ids) {
    const s = await ledgerSums(id)
    t.equal((await customerBalance(db, id)).toFixed(4), sub(s.credits, s.debits).toFixed(4))
  }
})
