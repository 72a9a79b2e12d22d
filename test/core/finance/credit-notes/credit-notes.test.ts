import t from 'tap'
import { eq } from 'drizzle-orm'
import { testDatabase } from '../../../helpers/db.ts'
import { issueCreditNote } from '../../../../core/finance/credit-notes/issue.ts'
import { createManualInvoice } from '../../../../core/finance/invoices/manual.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { recordPayment } from '../../../../core/finance/payments/record.ts'
import { creditNoteItems, documentTaxes, invoiceItems, paymentAllocations } from '../../../../core/finance/schema.ts'
import { ValidationError } from '../../../../core/kernel/errors.ts'
import { taxRates } from '../../../../core/plans/schema.ts'
import { financeDeps, invoiceRow, newCustomer, person } from '../documents/fixtures.ts'

// The machine running the suite is shared and slow on the embedded database.
t.setTimeout(600_000)

const handle = await testDatabase()
t.teardown(() => handle.close())
const db = handle.db
const deps = financeDeps()
const [vat] = await db.insert(taxRates).values({ name: 'VAT 23', ratePercent: '23' }).returning()

t.test('a credit note against an invoice reduces what is due and can never exceed the invoice', async (t) => {
  const c = await newCustomer(db)
  const inv = await createManualInvoice(db, deps, person, {
    customerId: c.id,
    lines: [
      { description: 'Internet', quantity: '1', unitPrice: '100', taxRateId: String(vat!.id) },
      { description: 'Router rental', quantity: '1', unitPrice: '10' },
    ],
  })
  t.equal(inv.total, '133.0000')
  const items = await db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, inv.id))
  const internet = items.find((i) => i.description === 'Internet')!
  const cn = await issueCreditNote(db, deps, person, { invoiceId: inv.id, reason: 'Outage', items: [{ invoiceItemId: internet.id, amount: '40.00' }] })
  t.equal(cn.total, '49.2000', '40 + 23 % tax')
  t.match(cn.number, /^CN2026\d{6}$/)
  const taxes = await db.select().from(documentTaxes).where(eq(documentTaxes.creditNoteId, cn.id))
  t.same(taxes.map((x) => [x.net, x.tax]), [['40.0000', '9.2000']])
  const row = await invoiceRow(db, inv.id)
  t.equal(row.paidAmount, '49.2000', 'the credit note is allocated to the invoice')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-83.80')

  const tooMuchLine = await issueCreditNote(db, deps, person, { invoiceId: inv.id, reason: 'x', items: [{ invoiceItemId: internet.id, amount: '60.01' }] }).catch((e) => e)
  t.ok(tooMuchLine instanceof ValidationError)
  t.same(tooMuchLine.fields.map((f: { field: string }) => f.field), ['items.0.amount'])
  const tooMuch = await issueCreditNote(db, deps, person, { invoiceId: inv.id, reason: 'x', amount: '83.81' }).catch((e) => e)
  t.same(tooMuch.fields.map((f: { field: string }) => f.field), ['amount'])
  t.match(tooMuch.fields[0].message, /at most 83\.80/)

  const rest = await issueCreditNote(db, deps, person, { invoiceId: inv.id, reason: 'Goodwill', amount: '83.80' })
  t.equal(rest.total, '83.8000')
  const restTaxes = await db.select().from(documentTaxes).where(eq(documentTaxes.creditNoteId, rest.id))
  t.equal(restTaxes.length, 2, 'a partial amount is split over the invoice tax rates')
  t.equal((await invoiceRow(db, inv.id)).status, 'paid', 'fully credited')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '0.00')
  await t.rejects(issueCreditNote(db, deps, person, { invoiceId: inv.id, reason: 'x', amount: '0.01' }), /at most 0\.00/)
})

t.test('a credit note on an already paid invoice leaves credit that pays the next invoice', async (t) => {
  const c = await newCustomer(db)
  const inv = await createManualInvoice(db, deps, person, { customerId: c.id, lines: [{ description: 'A', quantity: '1', unitPrice: '20' }] })
  await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '20.00' })
  const cn = await issueCreditNote(db, deps, person, { invoiceId: inv.id, reason: 'Refund due', amount: '5.00' })
  const allocs = await db.select().from(paymentAllocations).where(eq(paymentAllocations.creditNoteId, cn.id))
  t.equal(allocs.length, 0)
  const next = await createManualInvoice(db, deps, person, { customerId: c.id, lines: [{ description: 'B', quantity: '1', unitPrice: '8' }] })
  t.equal(next.paidAmount, '5.0000')
  t.equal((await customerBalance(db, c.id)).toFixed(2), '-3.00')
})

t.test('a credit note against the account, and bad input naming fields', async (t) => {
  const c = await newCustomer(db)
  const cn = await issueCreditNote(db, deps, person, {
    customerId: c.id,
    reason: 'Loyalty',
    lines: [{ description: 'Loyalty bonus', amount: '10.00', taxRateId: vat!.id }],
  })
  t.equal(cn.total, '12.3000')
  t.equal(cn.invoiceId, null)
  const items = await db.select().from(creditNoteItems).where(eq(creditNoteItems.creditNoteId, cn.id))
  t.equal(items.length, 1)
  t.equal((await customerBalance(db, c.id)).toFixed(2), '12.30')
  const err = await issueCreditNote(db, deps, person, { customerId: c.id, reason: '', lines: [] }).catch((e) => e)
  t.same(err.fields.map((f: { field: string }) => f.field), ['reason'])
  const err2 = await issueCreditNote(db, deps, person, { customerId: c.id, reason: 'r', lines: [{ description: 'x', amount: '1.001' }] }).catch((e) => e)
  t.same(err2.fields.map((f: { field: string }) => f.field), ['lines.0.amount'])
})
