import t from 'tap'
import { sql } from 'drizzle-orm'
import { BILLING_RUNS_JOB } from '../../../../core/finance/billing/jobs.ts'
import type { RunOutcome } from '../../../../core/kernel/jobs/scheduler.ts'
import { rows } from '../../../../db/client.ts'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { customer, mainPartner, plan, service } from './fixtures.ts'

t.setTimeout(600_000)
const ctx = await testApp()
t.teardown(ctx.close)
const { app, clock } = ctx
const db = app.ctx.db
clock.set('2026-03-01T07:00:00Z')
const partner = await mainPartner(db)
const fiber = await plan(db, { name: 'Fiber 200', price: '200' })
const alice = await customer(db, partner)
await service(db, alice, fiber, { start: '2026-02-01' })

const boss = await createAdmin(db, {})
const runner = {
  authorization: `Bearer ${await createApiKey(db, boss.id, ['billing.view', 'billing.run', 'billing.time_travel'])}`,
}
const viewer = { authorization: `Bearer ${await createApiKey(db, boss.id, ['billing.view'])}` }
const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, headers = runner) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

/** The next run of the billing job (started by the route) to finish. */
const jobDone = () =>
  new Promise<RunOutcome>((resolve) => {
    const on = (o: RunOutcome) => {
      if (o.job !== BILLING_RUNS_JOB) return
      app.scheduler.off('finished', on)
      resolve(o)
    }
    app.scheduler.on('finished', on)
  })

t.test('API: start a preview, read it, confirm it; the job does the work in a worker thread', async (t) => {
  const bad = await call('POST', '/api/v1/billing-runs', { runDate: '2026-02-31' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { fields: [{ field: 'runDate' }] }, 'names the field')
  t.equal(
    (await call('POST', '/api/v1/billing-runs', { runDate: '2026-03-01' }, viewer)).statusCode,
    403,
    'billing.run is needed',
  )

  let done = jobDone()
  const started = await call('POST', '/api/v1/billing-runs', { runDate: '2026-03-01' })
  t.equal(started.statusCode, 202)
  const id = started.json().id
  t.equal((await done).status, 'succeeded')
  const preview = (await call('GET', `/api/v1/billing-runs/${id}`, undefined, viewer)).json()
  t.match(preview.run, { status: 'preview', customers: 1, total: '200' })
  t.match(preview.perPlan, [{ plan: 'Fiber 200', lines: 1, amount: '200' }])
  t.match(preview.items, {
    total: 1,
    items: [
      {
        customerId: alice,
        status: 'pending',
        total: '200',
        lines: [{ periodStart: '2026-02-01', periodEnd: '2026-02-28', amount: '200.00' }],
      },
    ],
  })
  const [none] = await rows<{ n: number }>(db, sql`select count(*)::int as n from invoices`)
  t.equal(none!.n, 0, 'a preview issues nothing')

  t.equal(
    (await call('POST', '/api/v1/billing-runs', { runDate: '2026-03-01' })).statusCode,
    409,
    'one open run at a time',
  )
  done = jobDone()
  const confirmed = await call('POST', `/api/v1/billing-runs/${id}/confirm`)
  t.equal(confirmed.statusCode, 202)
  t.equal((await done).status, 'succeeded')
  const after = (await call('GET', `/api/v1/billing-runs/${id}?status=invoiced`)).json()
  t.match(after.run, { status: 'committed', invoices: 1, total: '200' })
  t.ok(after.items.items[0].invoiceNumber, 'the item links its invoice')
  t.equal(
    (await call('POST', `/api/v1/billing-runs/${id}/cancel`)).statusCode,
    409,
    'a committed run cannot be cancelled',
  )
  const list = (await call('GET', '/api/v1/billing-runs', undefined, viewer)).json()
  t.equal(list.total, 1)
})

t.test('panel: list, new-run form with errors, the run page with its customers', async (t) => {
  const s = await adminSession(app)
  const page = await app.inject({
    method: 'GET',
    url: '/admin/finance/billing-runs',
    headers: { cookie: s.cookie, accept: 'text/html' },
  })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Billing runs/)
  t.match(page.body, /data-live-topic="billing.runs"/)
  const bad = await app.inject({
    method: 'POST',
    url: '/admin/finance/billing-runs',
    headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams([
      ['_csrf', s.csrf],
      ['runDate', '2026-13-01'],
    ]).toString(),
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /must be a date as YYYY-MM-DD/)
  const [run] = await rows<{ id: number }>(db, sql`select id from billing_runs order by id limit 1`)
  const detail = await app.inject({
    method: 'GET',
    url: `/admin/finance/billing-runs/${run!.id}`,
    headers: { cookie: s.cookie, accept: 'text/html' },
  })
  t.equal(detail.statusCode, 200)
  t.match(detail.body, /Fiber 200/)
  t.match(detail.body, /Customer \d+/)
})

t.test('time travel: months of billing in a sandbox, real data untouched', async (t) => {
  const counts = () =>
    rows<Record<string, number>>(
      db,
      sql`select (select count(*) from invoices)::int as invoices, (select count(*) from invoice_items)::int as items,
            (select count(*) from ledger_entries)::int as ledger, (select count(*) from customers)::int as customers,
            (select count(*) from services)::int as services, (select coalesce(sum(last_value), 0) from document_counters)::int as counters,
            (select count(*) from outbox_events)::int as events, (select string_agg(service_id || ':' || billed_through, ',') from service_billing) as billed`,
    )
  const before = await counts()
  clock.set('2026-04-01T07:00:00Z')
  const res = await call('POST', '/api/v1/billing/time-travel', {
    months: 3,
    customerIds: [alice],
    hypothetical: { planId: fiber, billingType: 'recurring_prepaid', billingDay: 15, periodsAhead: 1 },
  })
  t.equal(res.statusCode, 200)
  const months = res.json()
  t.same(
    months.map((m: { runDate: string }) => m.runDate),
    ['2026-04-01', '2026-05-01', '2026-06-01'],
    "from today on the app's (manual) clock",
  )
  t.same(
    months[0].customers.map((c: { total: string }) => c.total),
    ['200.00', '90.32'],
    'Alice for March; the new customer prepaid for 1–14 Apr, the rest of the 31-day 15 Mar period: 200/31×14',
  )
  t.same(
    months[1].customers.map((c: { total: string }) => c.total),
    ['200.00', '200.00'],
  )
  t.same(await counts(), before, 'nothing of it was saved')

  const badDay = await call('POST', '/api/v1/billing/time-travel', {
    months: 2,
    hypothetical: { planId: fiber, billingType: 'recurring_postpaid', billingDay: 31 },
  })
  t.equal(badDay.statusCode, 400)
  t.match(badDay.json(), { fields: [{ field: 'hypothetical.billingDay' }] })
  const badQty = await call('POST', '/api/v1/billing/time-travel', {
    months: 2,
    hypothetical: { planId: fiber, billingType: 'recurring_postpaid', billingDay: 1, quantity: '-2' },
  })
  t.equal(badQty.statusCode, 400)
  t.match(badQty.json(), { fields: [{ field: 'hypothetical.quantity' }] })
  t.equal(
    (await call('POST', '/api/v1/billing/time-travel', { months: 1, customerIds: [alice] }, viewer))
      .statusCode,
    403,
  )
})
