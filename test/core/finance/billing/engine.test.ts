import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { computeBills } from '../../../../core/finance/billing/compute.ts'
import { loadPlans } from '../../../../core/finance/billing/load.ts'
import { loadIssueContext } from '../../../../core/finance/invoices/issue.ts'
import { customerBilling, invoiceItems, invoices, pendingCharges } from '../../../../core/finance/schema.ts'
import { schedulePlanChange, applyDuePlanChanges } from '../../../../core/services/plan-change.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { rows } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, runBilling, service } from './fixtures.ts'

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const partner = await mainPartner(db)

async function linesOf(customerId: number) {
  return rows<{
    description: string
    amount: string
    periodStart: string | null
    periodEnd: string | null
    chargeKey: string
  }>(
    db,
    sql`select i.description, i.amount::text as amount, i.period_start::text as "periodStart", i.period_end::text as "periodEnd", i.charge_key as "chargeKey"
        from invoice_items i join invoices v on v.id = i.invoice_id where v.customer_id = ${customerId} order by v.id, i.position`,
  )
}

t.test(
  'statuses: active and blocked customers are billed, new and inactive ones and disabled services are not; a stopped service up to its end',
  async (t) => {
    const clock = new ManualClock('2026-03-01T06:00:00Z')
    const p = await plan(db, { name: 'Status 31', price: '31' })
    const active = await customer(db, partner)
    const blocked = await customer(db, partner, { status: 'blocked' })
    const inactive = await customer(db, partner, { status: 'inactive' })
    const fresh = await customer(db, partner, { status: 'new' })
    for (const c of [active, blocked, inactive, fresh]) await service(db, c, p, { start: '2026-02-01' })
    const disabled = await customer(db, partner)
    await service(db, disabled, p, { start: '2026-02-01', status: 'disabled' })
    const stopped = await customer(db, partner)
    await service(db, stopped, p, { start: '2026-01-01', end: '2026-01-10', status: 'stopped' })
    await runBilling(db, clock, '2026-03-01')
    t.same(
      (await linesOf(active)).map((l) => l.amount),
      ['31.0000'],
    )
    t.same(
      (await linesOf(blocked)).map((l) => l.amount),
      ['31.0000'],
      'blocked customers are still billed',
    )
    t.same(await linesOf(inactive), [])
    t.same(await linesOf(fresh), [])
    t.same(await linesOf(disabled), [])
    t.same(
      (await linesOf(stopped)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
      [['2026-01-01', '2026-01-10', '10.0000']],
      'billed to its end date',
    )
  },
)

t.test('postpaid late first invoice catches up; quantity, custom price and dated discount', async (t) => {
  const clock = new ManualClock('2026-05-01T06:00:00Z')
  const p = await plan(db, { name: 'Catch-up 300', price: '300' })
  const c = await customer(db, partner)
  await service(db, c, p, {
    start: '2026-03-15',
    quantity: '2',
    unitPrice: '100',
    discount: '50',
    discountStart: '2026-04-01',
    discountEnd: '2026-04-30',
  })
  await runBilling(db, clock, '2026-05-01')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-03-15', '2026-03-31', '109.68'.padEnd(8, '0')],
      ['2026-04-01', '2026-04-30', '100.0000'],
    ],
    '200/31*17 = 109.68 for March; April 200 less 50 %',
  )
})

t.test('prepaid 3 periods ahead, billing day 10; nothing more until those are used', async (t) => {
  const c = await customer(db, partner, { billingDay: 10, type: 'recurring_prepaid', periodsAhead: 3 })
  const p = await plan(db, { name: 'Prepaid 90', price: '90' })
  await service(db, c, p, { start: '2026-04-10' })
  await runBilling(db, new ManualClock('2026-04-10T06:00:00Z'), '2026-04-10')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-04-10', '2026-05-09', '90.0000'],
      ['2026-05-10', '2026-06-09', '90.0000'],
      ['2026-06-10', '2026-07-09', '90.0000'],
    ],
  )
  await runBilling(db, new ManualClock('2026-05-10T06:00:00Z'), '2026-05-10')
  t.equal((await linesOf(c)).length, 3, 'a paid-for period bills nothing')
  await runBilling(db, new ManualClock('2026-07-10T06:00:00Z'), '2026-07-10')
  t.equal((await linesOf(c)).length, 6, 'the next three on the billing day of the unpaid one')
})

t.test(
  'prepaid plan change mid-period: unused days of the old plan credited, the new plan charged for the rest',
  async (t) => {
    const c = await customer(db, partner, { type: 'recurring_prepaid' })
    const old = await plan(db, { name: 'Old 200', price: '200' })
    const next = await plan(db, { name: 'New 100', price: '100' })
    const s = await service(db, c, old, { start: '2026-01-01' })
    await runBilling(db, new ManualClock('2026-01-01T06:00:00Z'), '2026-01-01')
    const clock = new ManualClock('2026-01-20T06:00:00Z')
    const deps = { clock, emit: emitEvent, config: {} as never }
    await schedulePlanChange(db, deps, admin, s, { planId: next, effectiveDate: '2026-01-20' })
    await runBilling(db, new ManualClock('2026-02-01T06:00:00Z'), '2026-02-01')
    t.same(
      (await linesOf(c)).map((l) => [l.description, l.periodStart, l.periodEnd, l.amount]),
      [
        ['Old 200', '2026-01-01', '2026-01-31', '200.0000'],
        ['Old 200: unused days after the change to New 100', '2026-01-20', '2026-01-31', '-77.4200'],
        ['New 100', '2026-01-20', '2026-01-31', '38.7100'],
        ['New 100', '2026-02-01', '2026-02-28', '100.0000'],
      ],
      '200 − 122.58 = 77.42 back; 100/31×12 = 38.71',
    )
    await runBilling(db, new ManualClock('2026-03-01T06:00:00Z'), '2026-03-01')
    t.equal(
      (await linesOf(c)).filter((l) => l.chargeKey.startsWith('change:')).length,
      2,
      'the change is settled once',
    )
  },
)

t.test('postpaid plan change: each plan billed for its days', async (t) => {
  const c = await customer(db, partner)
  const a = await plan(db, { name: 'A 310', price: '310' })
  const b = await plan(db, { name: 'B 620', price: '620' })
  const s = await service(db, c, a, { start: '2026-03-01' })
  const deps = { clock: new ManualClock('2026-03-11T06:00:00Z'), emit: emitEvent, config: {} as never }
  await schedulePlanChange(db, deps, admin, s, { planId: b, effectiveDate: '2026-03-21' })
  await applyDuePlanChanges(db, new ManualClock('2026-03-21T06:00:00Z'))
  await runBilling(db, new ManualClock('2026-04-01T06:00:00Z'), '2026-04-01')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-03-01', '2026-03-20', '200.0000'],
      ['2026-03-21', '2026-03-31', '220.0000'],
    ],
  )
})

t.test(
  'bundle activation fee once, one-time plan once, pending charges once, tax rate of the plan',
  async (t) => {
    const [vat] = await rows<{ id: number }>(
      db,
      sql`insert into tax_rates (name, rate_percent) values ('VAT 20 engine', 20) returning id`,
    )
    const c = await customer(db, partner)
    const bundle = await plan(db, {
      type: 'bundle',
      name: 'Bundle 50',
      price: '50',
      activationFee: '25',
      taxRateId: vat!.id,
    })
    const once = await plan(db, { type: 'one_time', name: 'Router', price: '80' })
    await service(db, c, bundle, { start: '2026-06-01' })
    await service(db, c, once, { start: '2026-06-05' })
    await db.insert(pendingCharges).values({
      customerId: c,
      description: 'Late fee',
      chargeDate: '2026-06-20',
      unitPrice: '5',
      sourceKey: `late:${c}`,
    })
    await runBilling(db, new ManualClock('2026-07-01T06:00:00Z'), '2026-07-01')
    await runBilling(db, new ManualClock('2026-08-01T06:00:00Z'), '2026-08-01')
    const lines = await linesOf(c)
    t.same(
      lines.map((l) => [l.description, l.amount]),
      [
        ['Bundle 50', '50.0000'],
        ['Bundle 50: activation fee', '25.0000'],
        ['Router', '80.0000'],
        ['Late fee', '5.0000'],
        ['Bundle 50', '50.0000'],
      ],
    )
    const [first] = await db.select().from(invoices).where(eq(invoices.customerId, c)).orderBy(invoices.id)
    t.equal(first!.tax, '15.0000', 'VAT 20 % on the bundle and its fee: (50 + 25) × 0.2')
    t.equal(first!.total, '175.0000')
    const [pc] = await db.select().from(pendingCharges).where(eq(pendingCharges.customerId, c))
    t.ok(pc!.invoiceItemId, 'the pending charge points at its invoice line')
  },
)

t.test('plugin lines land on the same invoice once, deduplicated by sourceKey', async (t) => {
  const c = await customer(db, partner)
  const p = await plan(db, { type: 'voice', name: 'Voice 10', price: '10' })
  await service(db, c, p, { start: '2026-01-01' })
  const calls: { start: string; end: string }[] = []
  const voice = {
    plugin: {
      name: 'voice-test',
      invoiceItems: async (cust: { id: number }, period: { start: string; end: string }) => {
        calls.push(period)
        return [
          {
            description: 'Calls',
            quantity: '12',
            unitPrice: '0.25',
            sourceKey: `voice:${period.start}:${cust.id}`,
          },
          {
            description: 'Calls (again)',
            quantity: '1',
            unitPrice: '9',
            sourceKey: `voice:${period.start}:${cust.id}`,
          },
        ]
      },
    },
    context: {} as never,
  }
  const context = await loadIssueContext(db)
  const plans = await loadPlans(db)
  const bills = await computeBills(db, [c], { runDate: '2026-02-01', context, plans, plugins: [voice] })
  t.same(
    bills[0]!.lines.map((l) => [l.description, l.amount]),
    [
      ['Voice 10', '10.00'],
      ['Calls', '3.00'],
    ],
  )
  t.same(
    calls,
    [{ start: '2026-01-01', end: '2026-01-31' }],
    'the usage period is the one before the run date',
  )
  const { issueBills } = await import('../../../../core/finance/billing/issue-batch.ts')
  await db.transaction((tx) => issueBills(tx, context, '2026-02-01', bills))
  const again = await computeBills(db, [c], { runDate: '2026-02-01', context, plans, plugins: [voice] })
  t.same(again, [], 'invoiced plugin lines are not offered again')
})

t.test('a preview made stale by another run issues nothing twice', async (t) => {
  const c = await customer(db, partner)
  const p = await plan(db, { name: 'Stale 10', price: '10' })
  await service(db, c, p, { start: '2026-01-01' })
  const { createRun, confirmRun, getRun } = await import('../../../../core/finance/billing/runs.ts')
  const { previewRun, commitRun } = await import('../../../../core/finance/billing/process.ts')
  const clock = new ManualClock('2026-02-01T06:00:00Z')
  const a = await createRun(db, clock, admin, { runDate: '2026-02-01' })
  await previewRun({ db, clock }, a)
  // A second preview of the same date, made before the first is committed (bypassing the "one open run" rule).
  const [b] = await rows<{ id: number }>(
    db,
    sql`insert into billing_runs (run_date, status) values ('2026-02-01', 'previewing') returning id`,
  )
  await previewRun({ db, clock }, await getRun(db, admin, b!.id))
  await confirmRun(db, clock, admin, a.id)
  await commitRun({ db, clock }, await getRun(db, admin, a.id))
  await db.execute(sql`update billing_runs set status = 'committing' where id = ${b!.id}`)
  await commitRun({ db, clock }, await getRun(db, admin, b!.id))
  t.equal((await linesOf(c)).length, 1, 'billed once')
  const [item] = await rows<{ status: string; error: string }>(
    db,
    sql`select status::text, error from billing_run_items where run_id = ${b!.id} and customer_id = ${c}`,
  )
  t.equal(item!.status, 'skipped')
  t.match(item!.error, /billed through 2026-01-31 since the preview/)
  t.ok(await db.select().from(customerBilling).limit(1))
  t.ok(await db.select().from(invoiceItems).limit(1))
})

t.test(
  'prepaid from balance: monthly invoices and daily ones are settled from the credit paid in advance',
  async (t) => {
    const { appendLedger, customerBalance } = await import('../../../../core/finance/ledger.ts')
    const { payments } = await import('../../../../core/finance/schema.ts')
    const { billPrepaidDaily } = await import('../../../../core/finance/billing/daily.ts')
    const p = await plan(db, { name: 'Balance 31', price: '31' })
    const monthly = await customer(db, partner, { type: 'prepaid_monthly' })
    const daily = await customer(db, partner, { type: 'prepaid_daily' })
    for (const c of [monthly, daily]) {
      await service(db, c, p, { start: '2026-07-01' })
      const [pay] = await db
        .insert(payments)
        .values({
          customerId: c,
          partnerId: partner,
          method: 'cash',
          amount: '100',
          currency: 'EUR',
          receivedOn: '2026-06-30',
        })
        .returning()
      await appendLedger(db, [
        {
          customerId: c,
          partnerId: partner,
          kind: 'payment',
          entryDate: '2026-06-30',
          credit: '100',
          description: 'Top-up',
          paymentId: pay!.id,
        },
      ])
    }
    await runBilling(db, new ManualClock('2026-07-01T06:00:00Z'), '2026-07-01')
    const [m] = await db.select().from(invoices).where(eq(invoices.customerId, monthly))
    t.match(
      m,
      { total: '31.0000', status: 'paid', periodStart: '2026-07-01', periodEnd: '2026-07-31' },
      'the coming month, paid from the balance at once',
    )
    t.equal((await customerBalance(db, monthly)).toFixed(2), '69.00')

    for (const day of ['2026-07-01', '2026-07-02', '2026-07-02'])
      await billPrepaidDaily({ db, clock: new ManualClock(`${day}T00:30:00Z`) })
    const d = await db.select().from(invoices).where(eq(invoices.customerId, daily)).orderBy(invoices.id)
    t.same(
      d.map((i) => [i.issueDate, i.total, i.status]),
      [
        ['2026-07-01', '1.0000', 'paid'],
        ['2026-07-02', '1.0000', 'paid'],
      ],
      'one day a day (31/31), the same day twice bills nothing',
    )
    t.equal((await customerBalance(db, daily)).toFixed(2), '98.00')
  },
)

t.test('a preview nobody confirms confirms itself once its time has come', async (t) => {
  const { createRun, autoConfirmDue, getRun } = await import('../../../../core/finance/billing/runs.ts')
  const { workRuns } = await import('../../../../core/finance/billing/process.ts')
  const clock = new ManualClock('2026-09-01T06:00:00Z')
  const run = await createRun(db, clock, admin, { runDate: '2026-09-01' })
  await workRuns({ db, clock })
  await db.execute(sql`update billing_runs set auto_confirm_at = '2026-09-04T06:00:00Z' where id = ${run.id}`)
  t.same(await autoConfirmDue(db, clock), [], 'not before its time')
  clock.advanceDays(3)
  t.same(await autoConfirmDue(db, clock), [run.id])
  await workRuns({ db, clock })
  t.equal((await getRun(db, admin, run.id)).status, 'committed')
})
