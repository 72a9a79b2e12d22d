import t from 'tap'
import { testDatabase } from '../../../helpers/db.ts'
import { addAdjustment, addPendingCharge, upcomingCharges } from '../../../../core/finance/documents/transactions.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { recordPayment } from '../../../../core/finance/payments/record.ts'
import { customerStatement, statementCsv } from '../../../../core/finance/statement/statement.ts'
import { financeDeps, invoiceFor, newCustomer, person } from '../documents/fixtures.ts'

// The machine running the suite is shared and slow on the embedded database.
t.setTimeout(600_000)

const handle = await testDatabase()
t.teardown(() => handle.close())
const db = handle.db
const deps = financeDeps()

t.test('statement: opening, running and closing balance agree with customerBalance; upcoming charges apart', async (t) => {
  const c = await newCustomer(db)
  await invoiceFor(db, c.id, '50.00', '2026-01-01')
  await recordPayment(db, deps, person, { customerId: c.id, method: 'cash', amount: '20.00', receivedOn: '2026-01-20' })
  await invoiceFor(db, c.id, '50.00', '2026-02-01')
  await addAdjustment(db, deps, person, c.id, { side: 'credit', amount: '5.00', reason: 'Outage compensation', entryDate: '2026-02-10' })
  await recordPayment(db, deps, person, { customerId: c.id, method: 'card', amount: '70.00', receivedOn: '2026-03-02' })
  await addPendingCharge(db, deps, person, c.id, { description: 'Installation', unitPrice: '30', quantity: '1' })

  const s = await customerStatement(db, person, c.id, { from: '2026-01-15', to: '2026-02-28' })
  t.equal(s.opening, '-50.00')
  t.same(s.rows.map((r) => [r.date, r.kind, r.debit, r.credit, r.balance]), [
    ['2026-01-20', 'payment', '0.00', '20.00', '-30.00'],
    ['2026-02-01', 'invoice', '50.00', '0.00', '-80.00'],
    ['2026-02-10', 'adjustment', '0.00', '5.00', '-75.00'],
  ])
  t.equal(s.closing, (await customerBalance(db, c.id, '2026-02-28')).toFixed(2))
  const all = await customerStatement(db, person, c.id, { from: '2025-01-01', to: '2026-12-31' })
  t.equal(all.closing, (await customerBalance(db, c.id)).toFixed(2))
  t.equal(all.closing, '-5.00', 'the pending installation is not in the balance')
  t.equal(all.upcoming.total, '30.00')
  t.equal((await upcomingCharges(db, c.id, 'EUR')).items.length, 1)
  let csv = ''
  for await (const chunk of statementCsv(s)) csv += chunk
  t.match(csv, /2026-02-10,adjustment,Outage compensation,0\.00,5\.00,-75\.00/)
  t.match(csv, /Closing balance.*-75\.00/)
})

t.test('adjustments and pending charges name bad fields', async (t) => {
  const c = await newCustomer(db)
  const e1 = await addAdjustment(db, deps, person, c.id, { side: 'up', amount: '0', reason: '' }).catch((e) => e)
  t.same(e1.fields.map((f: { field: string }) => f.field), ['side', 'amount', 'reason'])
  const e2 = await addPendingCharge(db, deps, person, c.id, { description: 'x', unitPrice: 'abc', quantity: '-1' }).catch((e) => e)
  t.same(e2.fields.map((f: { field: string }) => f.field), ['quantity', 'unitPrice'])
})
