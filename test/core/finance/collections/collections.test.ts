import t from 'tap'
import { eq, like, sql } from 'drizzle-orm'
import { auditLog } from '../../../../core/audit/schema.ts'
import { collectionBlocks } from '../../../../core/finance/collections/schema.ts'
import { reviewCustomer } from '../../../../core/finance/collections/review.ts'
import { runCollections } from '../../../../core/finance/collections/run.ts'
import { setPromiseToPay } from '../../../../core/finance/collections/promise.ts'
import { appendLedger } from '../../../../core/finance/ledger.ts'
import { invoices, pendingCharges } from '../../../../core/finance/schema.ts'
import { plans } from '../../../../core/plans/schema.ts'
import { services } from '../../../../core/services/schema.ts'
import { FINANCE_SETTINGS_KEY, FinanceSettings } from '../../../../core/finance/settings.ts'
import { systemActor } from '../../../../core/partners/scope.ts'
import { saveSettings } from '../../../../core/settings/service.ts'
import { testApp } from '../../../helpers/app.ts'
import { financeFixture } from './fixture.ts'

t.setTimeout(600_000)

const ctx = await testApp()
const db = ctx.app.ctx.db
const fx = financeFixture(db, ctx.clock)
const run = (today: string) => runCollections(db, fx.deps, today)
const settings = (values: Record<string, unknown>) =>
  saveSettings(db, FINANCE_SETTINGS_KEY, FinanceSettings as never, values, { actor: systemActor })

// Scenarios run in date order, each with customers of its own: a run acts on every customer, and
// earlier scenarios' customers are past the dates that follow.

t.test('blocked the day after the due date plus the blocking period, deactivated after the grace period', async (t) => {
  const a = await fx.customer()
  const b = await fx.customer({ blockingPeriodDays: 3 })
  const inv = await fx.invoice(a.id, '2026-01-01', '100.00')
  await fx.invoice(b.id, '2026-01-01', '100.00')
  t.equal(inv.dueDate, '2026-01-16')

  await run('2026-01-16')
  t.equal(await fx.status(a.id), 'active', 'the due date itself is still on time')
  const [still] = await db.select().from(invoices).where(eq(invoices.id, inv.id))
  t.equal(still!.status, 'issued')

  const first = await run('2026-01-17')
  t.equal(await fx.status(a.id), 'blocked', 'blocking period 0: blocked the day after the due date')
  t.equal(await fx.status(b.id), 'active', 'a blocking period of 3 days waits')
  t.ok(first.overdue >= 2)
  const [overdue] = await db.select().from(invoices).where(eq(invoices.id, inv.id))
  t.equal(overdue!.status, 'overdue')

  const blocked = await fx.events('customer.blocked', a.id)
  t.equal(blocked.length, 1)
  t.match(blocked[0]!.payload, { customerId: a.id, partnerId: a.partnerId, reason: 'overdue' })
  t.equal((await fx.events('customer.status_changed', a.id)).length, 1, 'through the customers service')
  const audit = await db.select().from(auditLog).where(eq(auditLog.entityId, String(a.id)))
  t.match(audit, [{ action: 'customer.status', actorType: 'system' }])

  await run('2026-01-19')
  t.equal(await fx.status(b.id), 'active')
  await run('2026-01-20')
  t.equal(await fx.status(b.id), 'blocked', 'due 16th + 1 + 3 days')

  await run('2026-01-26')
  t.equal(await fx.status(a.id), 'blocked', 'grace period of 10 days from the block on the 17th')
  await run('2026-01-27')
  t.equal(await fx.status(a.id), 'inactive')
  t.match((await fx.events('customer.deactivated', a.id)).map((e) => e.payload), [{ customerId: a.id, reason: 'grace_period_ended' }])
  t.equal((await db.select().from(collectionBlocks).where(eq(collectionBlocks.customerId, a.id))).length, 0)
})

t.test('the minimum balance is respected', async (t) => {
  const c = await fx.customer({ minimumBalance: '150' })
  await fx.invoice(c.id, '2026-02-01', '100.00')
  await fx.invoice(c.id, '2026-02-02', '50.00')
  await run('2026-02-18')
  t.equal(await fx.status(c.id), 'active', '150 overdue is not above the minimum of 150')
  await fx.invoice(c.id, '2026-02-03', '0.01')
  await run('2026-02-18')
  t.equal(await fx.status(c.id), 'active', 'the third invoice is not due yet')
  await run('2026-02-19')
  t.equal(await fx.status(c.id), 'blocked', '150.01 overdue is above the minimum')
})

t.test('a promise to pay is respected, audited, and lifts a block at once', async (t) => {
  const d = await fx.customer()
  const e = await fx.customer()
  await fx.invoice(d.id, '2026-03-01', '40.00')
  await fx.invoice(e.id, '2026-03-01', '40.00')
  await setPromiseToPay(db, fx.deps, systemActor, d.id, '2026-03-25', '2026-03-16')
  t.equal((await fx.billing(d.id)).doNotBlockUntil, '2026-03-25')
  await run('2026-03-17')
  t.equal(await fx.status(d.id), 'active', 'promised until the 25th')
  t.equal(await fx.status(e.id), 'blocked')
  await run('2026-03-25')
  t.equal(await fx.status(d.id), 'active', 'the last promised day')
  await run('2026-03-26')
  t.equal(await fx.status(d.id), 'blocked', 'the day after the promise')

  const decision = await setPromiseToPay(db, fx.deps, systemActor, e.id, '2026-03-30', '2026-03-20')
  t.equal(decision?.action, 'unblock')
  t.equal(await fx.status(e.id), 'active')
  t.match((await fx.events('customer.unblocked', e.id)).map((x) => x.payload), [{ reason: 'promise_to_pay' }])
  const audit = await db.select().from(auditLog).where(eq(auditLog.action, 'customer.promise_to_pay'))
  t.match(
    audit.filter((x) => x.entityId === String(e.id)),
    [{ after: { doNotBlockUntil: '2026-03-30' }, before: { doNotBlockUntil: null } }],
  )
  const err = await setPromiseToPay(db, fx.deps, systemActor, e.id, '2026-03-01', '2026-03-20').catch((x) => x)
  t.match(err, { name: 'ValidationError', fields: [{ field: 'doNotBlockUntil' }] }, 'a promise in the past is refused')
})

t.test('a payment that clears the debt unblocks at once through the handler; a partial one does not', async (t) => {
  const f = await fx.customer()
  await fx.invoice(f.id, '2026-04-01', '80.00')
  await run('2026-04-17')
  t.equal(await fx.status(f.id), 'blocked')
  ctx.clock.set('2026-04-18T09:00:00Z')

  await fx.pay(f.id, '30.00', '2026-04-18')
  await ctx.app.dispatcher.drain()
  t.equal(await fx.status(f.id), 'blocked', '50 still overdue')

  await fx.pay(f.id, '50.00', '2026-04-18')
  await ctx.app.dispatcher.drain()
  t.equal(await fx.status(f.id), 'active', 'unblocked by the payment.received handler, not the job')
  t.match((await fx.events('customer.unblocked', f.id)).map((x) => x.payload), [{ customerId: f.id, reason: 'debt_cleared' }])

  // At-least-once delivery: the handler's rule runs again and changes nothing.
  await db.transaction((tx) => reviewCustomer(tx, fx.deps, f.id, '2026-04-18'))
  await run('2026-04-18')
  t.equal((await fx.events('customer.unblocked', f.id)).length, 1)
  t.equal((await fx.events('customer.blocked', f.id)).length, 1)
})

t.test('a customer blocked by hand is not unblocked by the job', async (t) => {
  const g = await fx.customer()
  await db.execute(sql`update customers set status = 'blocked' where id = ${g.id}`)
  await run('2026-04-20')
  t.equal(await fx.status(g.id), 'blocked')
})

t.test('late fees are charged once per key, fixed or per day', async (t) => {
  const h = await fx.customer()
  const off = await fx.customer({ lateFees: false })
  const inv = await fx.invoice(h.id, '2026-05-01', '100.00')
  await fx.invoice(off.id, '2026-05-01', '100.00')
  await settings({ lateFee: 'fixed', lateFeeAmount: '5', lateFeeAfterDays: 2 })
  await run('2026-05-18')
  const mine = () => db.select().from(pendingCharges).where(like(pendingCharges.sourceKey, `late_fee:inv-${inv.id}%`))
  t.equal((await mine()).length, 0, 'not before lateFeeAfterDays have passed')
  await run('2026-05-19')
  await run('2026-05-19')
  await run('2026-05-20')
  t.match(await mine(), [{ sourceKey: `late_fee:inv-${inv.id}`, quantity: '1.0000', unitPrice: '5.000000', customerId: h.id }])
  const offCharges = await db.select().from(pendingCharges).where(eq(pendingCharges.customerId, off.id))
  t.equal(offCharges.length, 0, 'late fees off in the billing terms')

  const k = await fx.customer()
  const daily = await fx.invoice(k.id, '2026-05-02', '200.00')
  await settings({ lateFee: 'percent_per_day', lateFeeAmount: '0.1', lateFeeAfterDays: 0 })
  await run('2026-05-20')
  await run('2026-05-20')
  const charges = () =>
    db.select().from(pendingCharges).where(like(pendingCharges.sourceKey, `late_fee:inv-${daily.id}:%`)).orderBy(pendingCharges.id)
  t.match(await charges(), [{ sourceKey: `late_fee:inv-${daily.id}:2026-05-20`, quantity: '3.0000', unitPrice: '0.200000' }], 'due 17th: 18th to 20th, 0.1 % of 200 a day')
  await run('2026-05-22')
  t.match((await charges()).map((c) => [c.sourceKey, c.quantity]), [
    [`late_fee:inv-${daily.id}:2026-05-20`, '3.0000'],
    [`late_fee:inv-${daily.id}:2026-05-22`, '2.0000'],
  ])
  await settings({ lateFee: 'none' })
})

t.test('reminders: reminder n on its day, once', async (t) => {
  const r = await fx.customer()
  const inv = await fx.invoice(r.id, '2026-06-01', '10.00')
  await run('2026-06-09')
  t.equal((await fx.events('invoice.reminder_due', r.id)).length, 0)
  await run('2026-06-10')
  await run('2026-06-10')
  await run('2026-06-12')
  t.match((await fx.events('invoice.reminder_due', r.id)).map((e) => e.payload), [{ invoiceId: inv.id, reminder: 1 }], 'offsets 9, 5, 5: day 10 of June')
  await run('2026-06-15')
  await run('2026-06-20')
  await run('2026-06-21')
  t.same((await fx.events('invoice.reminder_due', r.id)).map((e) => e.payload.reminder), [1, 2, 3])
})

t.test('prepaid: a low-balance warning per wave, then blocked below the minimum balance and unblocked by a top-up', async (t) => {
  const p = await fx.customer({ type: 'prepaid_daily' })
  const [plan] = await db.insert(plans).values({ type: 'recurring', name: 'Daily 31', price: '31' }).returning()
  await db.insert(services).values({ customerId: p.id, planId: plan!.id, type: 'recurring', description: 'Daily', startDate: '2026-07-01' })
  await fx.pay(p.id, '4.00', '2026-07-01')
  await run('2026-07-01')
  await run('2026-07-01')
  t.match((await fx.events('prepaid.low_balance', p.id)).map((e) => e.payload), [{ daysLeft: 4, wave: 5, paidThrough: '2026-07-04' }], '1.00 a day in July: 4 days left')
  t.equal(await fx.status(p.id), 'active')
  await appendLedger(db, [{ customerId: p.id, partnerId: p.partnerId, kind: 'adjustment', entryDate: '2026-07-05', debit: '4.50', description: 'Daily charges' }])
  await run('2026-07-05')
  t.equal(await fx.status(p.id), 'blocked', 'balance -0.50 is below the minimum of 0')
  t.match((await fx.events('customer.blocked', p.id)).map((e) => e.payload), [{ reason: 'low_balance' }])
  ctx.clock.set('2026-07-05T09:00:00Z')
  await fx.pay(p.id, '10.00', '2026-07-05')
  await ctx.app.dispatcher.drain()
  t.equal(await fx.status(p.id), 'active', 'the top-up unblocks at once')
})

t.test('the daily job in its worker: events exactly once across two runs', async (t) => {
  const j = await fx.customer()
  await fx.invoice(j.id, '2026-08-01', '25.00')
  ctx.clock.set('2026-08-17T04:00:00Z')
  const first = await ctx.app.scheduler.run('core:finance:collections')
  t.equal(first.status, 'succeeded', first.error ?? '')
  const second = await ctx.app.scheduler.run('core:finance:collections')
  t.equal(second.status, 'succeeded', second.error ?? '')
  t.equal(await fx.status(j.id), 'blocked')
  t.equal((await fx.events('customer.blocked', j.id)).length, 1)
  t.equal((await fx.events('customer.status_changed', j.id)).length, 1)
})

t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
