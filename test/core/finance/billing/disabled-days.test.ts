import t from 'tap'
import { sql } from 'drizzle-orm'
import { prorate } from '../../../../core/finance/proration.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { changeServiceStatus } from '../../../../core/services/service.ts'
import { CORE_SETTINGS_KEY, CoreSettings, coreSettings } from '../../../../core/settings/core-settings.ts'
import { saveSettings } from '../../../../core/settings/service.ts'
import { rows } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, runBilling, service } from './fixtures.ts'

t.setTimeout(600_000)

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const partner = await mainPartner(db)

/** The status action as an admin uses it, at a moment of the day given. */
const setStatus = (serviceId: number, status: 'active' | 'disabled' | 'stopped', at: string) =>
  changeServiceStatus(db, { clock: new ManualClock(at), emit: emitEvent, config: {} as never }, admin, serviceId, status)

const linesOf = (customerId: number) =>
  rows<{ periodStart: string; periodEnd: string; amount: string; chargeKey: string }>(
    db,
    sql`select i.period_start::text as "periodStart", i.period_end::text as "periodEnd", i.amount::text as amount, i.charge_key as "chargeKey"
        from invoice_items i join invoices v on v.id = i.invoice_id where v.customer_id = ${customerId} and v.status <> 'void' order by v.id, i.position`,
  )

t.test('disabled for 10 days of a 30-day month and enabled again: 20 days billed, exact to the cent', async (t) => {
  const round = await plan(db, { name: 'Pause 300', price: '300' })
  const odd = await plan(db, { name: 'Pause 100', price: '100' })
  const c = await customer(db, partner)
  const a = await service(db, c, round, { start: '2026-04-01' })
  const b = await service(db, c, odd, { start: '2026-04-01' })
  for (const s of [a, b]) {
    await setStatus(s, 'disabled', '2026-04-11T08:00:00Z')
    await setStatus(s, 'active', '2026-04-21T16:00:00Z')
  }
  await runBilling(db, new ManualClock('2026-05-01T06:00:00Z'), '2026-05-01')
  const lines = await linesOf(c)
  t.same(
    lines.map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-04-01', '2026-04-10', '100.0000'],
      ['2026-04-21', '2026-04-30', '100.0000'],
      ['2026-04-01', '2026-04-10', '33.3300'],
      ['2026-04-21', '2026-04-30', '33.3300'],
    ],
    'the days from the disabling to the day before the enabling are cut out',
  )
  t.same(
    lines.map((l) => l.amount.replace(/00$/, '')),
    [prorate('300', 0, 10, 30, 'USD'), prorate('300', 20, 10, 30, 'USD'), prorate('100', 0, 10, 30, 'USD'), prorate('100', 20, 10, 30, 'USD')].map((d) => d.toFixed(2)),
    'each part priced by the proration rule at its own offset in the period',
  )
  t.equal((await customerBalance(db, c)).toFixed(2), '-266.66', '300/30×20 = 200.00; 100 telescoped: 33.33 + (100 − 66.67) = 66.66')
  t.same(lines.slice(0, 2).map((l) => l.chargeKey), [`service:${a}:2026-04-01`, `service:${a}:2026-04-21`])
  t.equal((await runBilling(db, new ManualClock('2026-05-01T07:00:00Z'), '2026-05-01')).preview.customers, 0, 'a re-run bills nothing')
})

t.test('still disabled at the run: the days before are billed, the rest once it is enabled again', async (t) => {
  const p = await plan(db, { name: 'Pause 310', price: '310' })
  const c = await customer(db, partner)
  const s = await service(db, c, p, { start: '2026-05-01' })
  await setStatus(s, 'disabled', '2026-05-11T10:00:00Z')
  await runBilling(db, new ManualClock('2026-06-01T06:00:00Z'), '2026-06-01')
  t.same((await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]), [['2026-05-01', '2026-05-10', '100.0000']], '310/31×10')
  t.equal((await runBilling(db, new ManualClock('2026-06-01T07:00:00Z'), '2026-06-01')).preview.customers, 0, 'a re-run bills nothing')
  t.equal((await runBilling(db, new ManualClock('2026-06-15T07:00:00Z'), '2026-06-15')).preview.customers, 0, 'nor does a run while it is disabled')

  await setStatus(s, 'active', '2026-06-16T09:00:00Z')
  await runBilling(db, new ManualClock('2026-07-01T06:00:00Z'), '2026-07-01')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-05-01', '2026-05-10', '100.0000'],
      ['2026-06-16', '2026-06-30', '155.0000'],
    ],
    'May 11 – June 15 never billed; 310 − 310/30×15 = 155.00',
  )
  t.equal((await customerBalance(db, c)).toFixed(2), '-255.00')
})

t.test('prepaid: a disabled service is not billed ahead; enabled mid-period it pays from that day', async (t) => {
  const p = await plan(db, { name: 'Pause ahead 310', price: '310' })
  const c = await customer(db, partner, { type: 'recurring_prepaid' })
  const s = await service(db, c, p, { start: '2026-03-01' })
  await runBilling(db, new ManualClock('2026-03-01T06:00:00Z'), '2026-03-01')
  await setStatus(s, 'disabled', '2026-03-20T10:00:00Z')
  t.equal((await runBilling(db, new ManualClock('2026-04-01T06:00:00Z'), '2026-04-01')).preview.customers, 0, 'nothing billed ahead while disabled')
  await setStatus(s, 'active', '2026-04-11T10:00:00Z')
  await runBilling(db, new ManualClock('2026-04-11T12:00:00Z'), '2026-04-11')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-03-01', '2026-03-31', '310.0000'],
      ['2026-04-11', '2026-04-30', prorate('310', 10, 20, 30, 'USD').toFixed(4)],
    ],
  )
})

t.test('a service created disabled and never enabled is not billed at all', async (t) => {
  const p = await plan(db, { name: 'Never 10', price: '10' })
  const c = await customer(db, partner)
  await service(db, c, p, { start: '2026-01-01', status: 'disabled' })
  t.equal((await runBilling(db, new ManualClock('2026-03-01T06:00:00Z'), '2026-03-01')).preview.customers, 0)
  t.same(await linesOf(c), [])
})

t.test('stopped while disabled: nothing after the disabling is billed; reactivated, it is billed from that day', async (t) => {
  const p = await plan(db, { name: 'Pause stop 310', price: '310' })
  const c = await customer(db, partner)
  const s = await service(db, c, p, { start: '2026-10-01' })
  await setStatus(s, 'disabled', '2026-10-11T10:00:00Z')
  await setStatus(s, 'stopped', '2026-10-21T10:00:00Z') // ends it on 21 October
  await runBilling(db, new ManualClock('2026-11-01T06:00:00Z'), '2026-11-01')
  t.same((await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]), [['2026-10-01', '2026-10-10', '100.0000']])
  t.equal((await runBilling(db, new ManualClock('2026-11-01T07:00:00Z'), '2026-11-01')).preview.customers, 0, 'a re-run bills nothing')
  await setStatus(s, 'active', '2026-11-21T10:00:00Z')
  await runBilling(db, new ManualClock('2026-12-01T06:00:00Z'), '2026-12-01')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-10-01', '2026-10-10', '100.0000'],
      ['2026-11-21', '2026-11-30', prorate('310', 20, 10, 30, 'USD').toFixed(4)],
    ],
  )
})

t.test('a pause within days already billed leaves the next period whole; a pause after them is cut', async (t) => {
  const p = await plan(db, { name: 'Pause later 300', price: '300' })
  const c = await customer(db, partner)
  const a = await service(db, c, p, { start: '2026-08-01' })
  const b = await service(db, c, p, { start: '2026-08-01' })
  await setStatus(a, 'disabled', '2026-08-10T08:00:00Z')
  await setStatus(a, 'active', '2026-08-20T08:00:00Z')
  await runBilling(db, new ManualClock('2026-09-01T06:00:00Z'), '2026-09-01')
  await setStatus(b, 'disabled', '2026-09-11T08:00:00Z')
  await setStatus(b, 'active', '2026-09-21T08:00:00Z')
  await runBilling(db, new ManualClock('2026-10-01T06:00:00Z'), '2026-10-01')
  t.same(
    (await linesOf(c)).filter((l) => l.periodStart >= '2026-09-01').map((l) => [l.chargeKey, l.periodEnd, l.amount]),
    [
      [`service:${a}:2026-09-01`, '2026-09-30', '300.0000'],
      [`service:${b}:2026-09-01`, '2026-09-10', '100.0000'],
      [`service:${b}:2026-09-21`, '2026-09-30', prorate('300', 20, 10, 30, 'USD').toFixed(4)],
    ],
  )
})

t.test('a status change counts from the day it was made in the ISP time zone', async (t) => {
  await saveSettings(db, CORE_SETTINGS_KEY, CoreSettings as never, { ...(await coreSettings(db)), timeZone: 'Europe/Kyiv' }, { actor: admin })
  const p = await plan(db, { name: 'Pause Kyiv 310', price: '310' })
  const c = await customer(db, partner)
  const s = await service(db, c, p, { start: '2026-08-01' })
  await setStatus(s, 'disabled', '2026-08-10T22:30:00Z') // 01:30 on 11 August in Kyiv
  await setStatus(s, 'active', '2026-08-20T21:30:00Z') // 00:30 on 21 August in Kyiv
  await runBilling(db, new ManualClock('2026-09-01T06:00:00Z', 'Europe/Kyiv'), '2026-09-01')
  t.same(
    (await linesOf(c)).map((l) => [l.periodStart, l.periodEnd, l.amount]),
    [
      ['2026-08-01', '2026-08-10', '100.0000'],
      ['2026-08-21', '2026-08-31', '110.0000'],
    ],
  )
})
