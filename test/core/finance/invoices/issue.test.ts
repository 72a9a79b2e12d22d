import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { testDatabase } from '../../../helpers/db.ts'
import { ensureMainPartner } from '../../../../core/partners/bootstrap.ts'
import { customers } from '../../../../core/customers/schema.ts'
import { partners } from '../../../../core/partners/schema.ts'
import { taxRates } from '../../../../core/plans/schema.ts'
import { documentTaxes, invoiceItems, invoices, ledgerEntries } from '../../../../core/finance/schema.ts'
import { issueInvoice, loadIssueContext } from '../../../../core/finance/invoices/issue.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
await ensureMainPartner(db)
const [partner] = await db.select().from(partners).limit(1)
const [customer] = await db
  .insert(customers)
  .values({ partnerId: partner!.id, login: 'anna', name: 'Anna Kowalska', street: 'Długa 1', dateAdded: '2026-01-01', language: 'pl' })
  .returning()
const [vat] = await db.insert(taxRates).values({ name: 'VAT 23', ratePercent: '23' }).returning()

t.test('issues an invoice with its number, lines, tax per rate and one ledger debit', async (t) => {
  const context = await loadIssueContext(db)
  const invoice = await db.transaction((tx) =>
    issueInvoice(tx, context, {
      customerId: customer!.id,
      issueDate: '2026-02-01',
      lines: [
        { description: 'Internet 100', quantity: '1', unitPrice: '0.99', amount: '0.99', taxRateId: vat!.id, chargeKey: 'service:1:2026-01-01' },
        ...Array.from({ length: 9 }, (_, i) => ({ description: `Line ${i}`, quantity: '1', unitPrice: '0.99', amount: '0.99', taxRateId: vat!.id })),
      ],
    }),
  )
  t.equal(invoice.number, `2026${String(partner!.id).padStart(2, '0')}000001`)
  t.equal(invoice.dueDate, '2026-02-16')
  t.equal(invoice.net, '9.9000')
  t.equal(invoice.tax, '2.2800', 'tax once per rate: 9.90 x 23 % = 2.277 -> 2.28')
  t.equal(invoice.total, '12.1800')
  t.equal(invoice.customerSnapshot.street, 'Długa 1')
  const items = await db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, invoice.id))
  t.equal(items.length, 10)
  const taxes = await db.select().from(documentTaxes).where(eq(documentTaxes.invoiceId, invoice.id))
  t.same(taxes.map((x) => [x.net, x.tax]), [['9.9000', '2.2800']])
  t.equal((await customerBalance(db, customer!.id)).toFixed(2), '-12.18')
})

t.test('a charge key is invoiced once; the failed invoice gives its number back', async (t) => {
  const context = await loadIssueContext(db)
  await t.rejects(
    db.transaction((tx) =>
      issueInvoice(tx, context, {
        customerId: customer!.id,
        issueDate: '2026-02-01',
        lines: [{ description: 'Again', quantity: '1', unitPrice: '5', amount: '5.00', chargeKey: 'service:1:2026-01-01' }],
      }),
    ),
  )
  const next = await db.transaction((tx) =>
    issueInvoice(tx, context, {
      customerId: customer!.id,
      issueDate: '2026-02-02',
      lines: [{ description: 'Setup', quantity: '1', unitPrice: '5', amount: '5.00' }],
    }),
  )
  t.match(next.number, /000002$/)
})

t.test('bad lines are refused naming the field; nothing is saved', async (t) => {
  const context = await loadIssueContext(db)
  const before = await db.select({ n: sql<number>`count(*)::int` }).from(invoices)
  const err = await db
    .transaction((tx) =>
      issueInvoice(tx, context, {
        customerId: customer!.id,
        issueDate: '2026-02-01',
        lines: [{ description: 'x', quantity: '-1', unitPrice: '5', amount: '5.00' }],
      }),
    )
    .catch((e) => e)
  t.match(err.fields, [{ field: 'lines.0.quantity' }])
  const after = await db.select({ n: sql<number>`count(*)::int` }).from(invoices)
  t.equal(after[0]!.n, before[0]!.n)
})

t.test('the ledger refuses updates and deletes', async (t) => {
  for (const statement of [sql`update ${ledgerEntries} set debit = 0`, sql`delete from ${ledgerEntries}`]) {
    const err = await db.execute(statement).then(
      () => null,
      (e: Error) => e,
    )
    t.match(String((err?.cause as Error | undefined)?.message), /append-only/)
  }
  t.equal((await customerBalance(db, customer!.id)).toFixed(2), '-17.18', 'the rows are untouched')
})
