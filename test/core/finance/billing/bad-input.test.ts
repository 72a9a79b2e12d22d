import t from 'tap'
import { sql } from 'drizzle-orm'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { ValidationError } from '../../../../core/kernel/errors.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { customerCharges } from '../../../../core/finance/billing/charges.ts'
import { issueBills } from '../../../../core/finance/billing/issue-batch.ts'
import { pluginLines } from '../../../../core/finance/billing/plugin-lines.ts'
import { createRun } from '../../../../core/finance/billing/runs.ts'
import { loadIssueContext } from '../../../../core/finance/invoices/issue.ts'
import { createService, endService } from '../../../../core/services/service.ts'
import { rows } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, service } from './fixtures.ts'

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const partner = await mainPartner(db)
const clock = new ManualClock('2026-03-01T06:00:00Z')
const deps = {
  clock,
  emit: emitEvent,
  config: { INSTANCE_KEY: 'bad-input-test-key-0123456789abcdefghij' } as never,
}

async function fields(p: Promise<unknown> | (() => unknown)): Promise<string[]> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    if (err instanceof ValidationError) return err.fields.map((f) => f.field)
    throw err
  }
  return []
}
const count = async (table: string) =>
  (await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.raw(table)}`))[0]!.n

t.test('billing day 31 is refused naming the field', async (t) => {
  const state = {
    terms: { type: 'recurring_postpaid' as const, periodsAhead: 1, billingDay: 31 },
    services: [
      {
        service: {
          id: 1,
          customerId: 1,
          planId: 1,
          type: 'internet' as const,
          description: 'x',
          quantity: '1',
          unitPrice: null,
          discountPercent: '0',
          discountStart: null,
          discountEnd: null,
          startDate: '2026-01-01',
          endDate: null,
          status: 'active' as const,
        },
        plans: new Map([
          [
            1,
            {
              id: 1,
              type: 'internet' as const,
              name: 'x',
              invoiceText: null,
              price: '10',
              taxRateId: null,
              activationFee: null,
              contractMonths: null,
              earlyCancellationFee: null,
            },
          ],
        ]),
        changes: [],
        billedThrough: null,
      },
    ],
    pending: [],
  }
  t.same(await fields(() => customerCharges(state, '2026-03-01', 'EUR')), ['billingDay'])
})

t.test('negative quantities are refused naming the field; nothing is saved', async (t) => {
  t.same(
    await fields(() =>
      pluginLines(
        'voice',
        [{ description: 'Calls', quantity: '-3', unitPrice: '1', sourceKey: 'v:1' }],
        'EUR',
      ),
    ),
    ['voice.invoiceItems.0.quantity'],
  )
  const c = await customer(db, partner)
  const context = await loadIssueContext(db)
  const bad = {
    kind: 'pending' as const,
    description: 'Fee',
    serviceId: null,
    planId: null,
    periodStart: null,
    periodEnd: null,
    quantity: '-1',
    unitPrice: '5',
    discountPercent: '0',
    amount: '-5.00',
    taxRateId: null,
    chargeKey: 'bad:1',
  }
  t.same(
    await fields(
      db.transaction((tx) => issueBills(tx, context, '2026-03-01', [{ customerId: c, lines: [bad] }])),
    ),
    ['lines.0.quantity'],
  )
  t.equal(await count('invoices'), 0)
  t.equal(await count('document_counters'), 0, 'no number taken')
  const p = await plan(db, { name: 'Neg', price: '10' })
  t.same(
    await fields(createService(db, deps, admin, c, { planId: p, quantity: '-2', startDate: '2026-03-01' })),
    ['quantity'],
  )
})

t.test('an end before the start is refused naming the field', async (t) => {
  const c = await customer(db, partner)
  const p = await plan(db, { name: 'Ends', price: '10', type: 'recurring' })
  t.same(
    await fields(
      createService(db, deps, admin, c, { planId: p, startDate: '2026-03-10', endDate: '2026-03-01' }),
    ),
    ['endDate'],
  )
  const s = await service(db, c, p, { start: '2026-03-10' })
  t.same(await fields(endService(db, deps, admin, s, '2026-03-09')), ['endDate'])
  const [row] = await rows<{ end: string | null }>(
    db,
    sql`select end_date::text as end from services where id = ${s}`,
  )
  t.equal(row!.end, null, 'unchanged')
})

t.test('a billing run with a bad date or partner is refused naming the field', async (t) => {
  t.same(await fields(createRun(db, clock, admin, { runDate: '2026-02-30' })), ['runDate'])
  t.same(await fields(createRun(db, clock, admin, { runDate: '2026-03-01', partnerId: 'x' })), ['partnerId'])
  t.same(
    await fields(createRun(db, clock, { ...admin, partnerIds: [partner] }, { runDate: '2026-03-01' })),
    ['partnerId'],
    'a partner-limited admin must name the partner',
  )
  t.equal(await count('billing_runs'), 0)
})
