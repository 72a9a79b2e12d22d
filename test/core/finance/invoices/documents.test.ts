import t from 'tap'
import { asc, eq, sql } from 'drizzle-orm'
import { testDatabase } from '../../../helpers/db.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { createManualInvoice } from '../../../../core/finance/invoices/manual.ts'
import { convertProforma } from '../../../../core/finance/invoices/proforma.ts'
import { refuseInvoiceEdit, voidInvoice } from '../../../../core/finance/invoices/void.ts'
import { recordPayment } from '../../../../core/finance/payments/record.ts'
import { unallocatePayment } from '../../../../core/finance/payments/void.ts'
import { invoices, ledgerEntries } from '../../../../core/finance/schema.ts'
import { StateError, ValidationError } from '../../../../core/kernel/errors.ts'
import { plans, taxRates } from '../../../../core/plans/schema.ts'
import { financeDeps, invoiceFor, invoiceRow, newCustomer, person } from '../documents/fixtures.ts'

// The machine running the suite is shared and slow on the embedded database.
t.setTimeout(600_000)

const handle = await testDatabase({ max: 6 })
t.teardown(() => handle.close())
const db = handle.db
const deps = financeDeps()
const [vat] = await db.insert(taxRates).values({ name: 'VAT 20', ratePercent: '20' }).returning()

t.test('numbering stays gapless when many invoices are issued at once', async (t) => {
  const a = await newCustomer(db)
  const b = await newCustomer(db, { partnerId: a.partnerId })
  const made = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      createManualInvoice(db, deps, person, {
        customerId: i % 2 ? a.id : b.id,
        lines: [{ description: `Setup ${i}`, quantity: '1', unitPrice: '10' }],
      }),
    ),
  )
  const seqs = made.map((m) => Number(m.number.slice(-6))).sort((x, y) => x - y)
  t.same(seqs, Array.from({ length: 12 }, (_, i) => i + 1), 'numbers 1..12, none skipped, none twice')
  // A refused invoice gives its number back: the next one continues the series.
  await t.rejects(createManualInvoice(db, deps, person, { customerId: a.id, lines: [{ description: '', quantity: '1', unitPrice: '1' }] }))
  const next = await createManualInvoice(db, deps, person, { customerId: a.id, lines: [{ description: 'Next', quantity: '1', unitPrice: '1' }] })
  t.equal(Number(next.number.slice(-6)), 13)
})

t.test('manual lines: quantity × price less discount, tax per rate; one-time plans fill the line', async (t) => {
  const c = await newCustomer(db)
  const [plan] = await db.insert(plans).values({ type: 'one_time', name: 'Router installation', price: '50', taxRateId: vat!.id }).returning()
  const inv = await createManualInvoice(db, deps, person, {
    customerId: c.id,
    issueDate: '2026-03-10',
    lines: [
      { description: 'Cable', quantity: '3', unitPrice: '2.50', discountPercent: '10', taxRateId: String(vat!.id) },
      { planId: String(plan!.id) },
    ],
  })
  t.equal(inv.net, '56.7500', '3 × 2.50 − 10 % = 6.75, + 50')
  t.equal(inv.tax, '11.3500')
  t.equal(inv.total, '68.1000')
  t.equal(inv.dueDate, '2026-03-25')
  const err = await createManualInvoice(db, deps, person, {
    customerId: c.id,
    lines: [{ description: 'x', quantity: '-2', unitPrice: '1', discountPercent: '120' }],
  }).catch((e) => e)
  t.ok(err instanceof ValidationError)
  t.same(err.fields.map((f: { field: string }) => f.field).sort(), ['lines.0.discountPercent', 'lines.0.quantity'])
  const none = await createManualInvoice(db, deps, person, { lines: [{ description: 'x', quantity: '1', unitPrice: '1' }] }).catch((e) => e)
  t.same(none.fields, [{ field: 'customerId', message: 'is required' }])
})

t.test('an issued invoice refuses any edit and points to a credit note', async (t) => {
  const c = await newCustomer(db)
  const inv = await invoiceFor(db, c.id, '12.00')
  const err = (() => {
    try {
      refuseInvoiceEdit(inv)
    } catch (e) {
      return e as Error
    }
  })()
  t.ok(err instanceof StateError)
  t.match(err!.message, /cannot be changed.*credit note/)
})

t.test('void keeps the number, corrects the ledger, and is refused while a payment is applied', async (t) => {
  const c = await newCustomer(db)
  const inv = await invoiceFor(db, c.id, '80.00')
  const { payment } = await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '30.00' })
  await t.rejects(voidInvoice(db, deps, person, inv.id, 'wrong customer'), StateError)
  await unallocatePayment(db, deps, person, payment.id, inv.id)
  const voided = await voidInvoice(db, deps, person, inv.id, 'wrong customer')
  t.equal(voided.status, 'void')
  t.equal(voided.number, inv.number, 'the number stays')
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.invoiceId, inv.id)).orderBy(asc(ledgerEntries.id))
  t.same(entries.map((e) => [e.kind, e.debit, e.credit]), [['invoice', '80.0000', '0.0000'], ['invoice_void', '0.0000', '80.0000']])
  t.equal(entries[1]!.correctsId, entries[0]!.id)
  t.equal((await customerBalance(db, c.id)).toFixed(2), '30.00', 'only the payment is left, as credit')
  await t.rejects(voidInvoice(db, deps, person, inv.id, 'again'), /already void/)
  const missing = await voidInvoice(db, deps, person, inv.id, ' ').catch((e) => e)
  t.same(missing.fields.map((f: { field: string }) => f.field), ['reason'])
})

t.test('a proforma has its own series and no ledger effect; converting issues a linked invoice', async (t) => {
  const c = await newCustomer(db)
  const pro = await createManualInvoice(db, deps, person, {
    customerId: c.id,
    kind: 'proforma',
    lines: [{ description: 'Yearly plan', quantity: '1', unitPrice: '120', taxRateId: String(vat!.id) }],
  })
  t.equal(pro.series, 'proforma')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '0.00')
  const { proforma, invoice } = await convertProforma(db, deps, person, pro.id)
  t.equal(invoice.series, 'invoice')
  t.equal(invoice.total, pro.total)
  t.equal(invoice.proformaId, pro.id)
  t.equal(proforma.proformaId, invoice.id)
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-144.00')
  await t.rejects(convertProforma(db, deps, person, pro.id), /already converted/)
  const count = await db.select({ n: sql<number>`count(*)::int` }).from(invoices).where(eq(invoices.customerId, c.id))
  t.equal(count[0]!.n, 2)
  t.equal((await invoiceRow(db, invoice.id)).status, 'issued')
})
