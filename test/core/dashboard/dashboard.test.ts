import t from 'tap'
import { eq } from 'drizzle-orm'
import { Temporal } from 'temporal-polyfill'
import { adminSessions } from '../../../core/admins/schema.ts'
import { barChart, monthLabel, niceScale } from '../../../core/dashboard/chart.ts'
import { dashboardCounters, newCustomersPerMonth } from '../../../core/dashboard/counters.ts'
import { emitEvent } from '../../../core/kernel/events/outbox.ts'
import { outboxDeliveries, outboxEvents } from '../../../core/kernel/events/schema.ts'
import { jobRuns } from '../../../core/kernel/jobs/schema.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession } from '../../helpers/auth.ts'
import { insertCustomer, insertPartner } from '../portal/fixtures.ts'

const html = { accept: 'text/html' }
const ctx = await testApp()
t.teardown(ctx.close)
const { app, clock } = ctx
const db = app.ctx.db

// Two partners; the clock says 2026-01-15.
const north = await insertPartner(db, 'North')
const south = await insertPartner(db, 'South')
const statuses = { active: 3, new: 2, blocked: 1, inactive: 1 } as const
let n = 0
for (const [status, count] of Object.entries(statuses)) {
  for (let i = 0; i < count; i++) {
    n++
    await insertCustomer(db, { partnerId: north, login: `n${n}`, name: `North ${n}`, status: status as keyof typeof statuses, dateAdded: '2025-11-03' })
  }
}
await insertCustomer(db, { partnerId: south, login: 's1', name: 'South One', status: 'active', dateAdded: '2026-01-02' })
await insertCustomer(db, { partnerId: south, login: 's2', name: 'South Two', status: 'blocked', dateAdded: '2026-01-14' })
// Outside the 12 months shown, and in the future: neither is counted in the chart.
await insertCustomer(db, { partnerId: south, login: 's3', name: 'South Old', status: 'inactive', dateAdded: '2024-12-31' })
await insertCustomer(db, { partnerId: south, login: 's4', name: 'South Future', status: 'new', dateAdded: '2026-02-01' })

t.test('counters: customers by status per partner scope, admins online, jobs running, events pending', async (t) => {
  const now = clock.now()
  const all = await dashboardCounters(db, { partnerIds: null, now })
  t.same(all.customers, { active: 4, new: 3, blocked: 2, inactive: 2, total: 11 })
  const onlyNorth = await dashboardCounters(db, { partnerIds: [north], now })
  t.same(onlyNorth.customers, { active: 3, new: 2, blocked: 1, inactive: 1, total: 7 }, 'a partner-limited admin counts their partner only')
  const none = await dashboardCounters(db, { partnerIds: [], now })
  t.equal(none.customers.total, 0, 'limited to no partner: nothing')

  const base = await dashboardCounters(db, { partnerIds: null, now })
  const a = await adminSession(app, { role: 'super_admin' })
  await adminSession(app, { role: 'super_admin' })
  // A second session of the same admin counts once; an old and a revoked session do not count.
  await db.insert(adminSessions).values([
    { id: `s-${a.login}-2`, adminId: a.id, mfaPassed: true, createdAt: now, lastSeenAt: now },
    { id: `s-${a.login}-old`, adminId: a.id, mfaPassed: true, createdAt: now, lastSeenAt: new Date(now.getTime() - 3_600_000) },
  ])
  const old = await adminSession(app, { role: 'super_admin' })
  await db.update(adminSessions).set({ revokedAt: now }).where(eq(adminSessions.adminId, old.id))
  await db.insert(jobRuns).values([
    { job: 'core:billing:run', status: 'running', node: 'a', startedAt: now },
    { job: 'radius:close-stale', status: 'running', node: 'a', startedAt: now },
    { job: 'radius:close-stale', status: 'succeeded', node: 'a', startedAt: now },
  ])
  await emitEvent(db, 'customer.created', { customerId: 1 })
  const [ev] = await db.insert(outboxEvents).values({ type: 'customer.updated', payload: {}, fannedOutAt: now }).returning()
  await db.insert(outboxDeliveries).values([
    { eventId: ev!.id, subscriber: 'radius', status: 'pending' },
    { eventId: ev!.id, subscriber: 'mikrotik', status: 'delivered' },
  ])
  const after = await dashboardCounters(db, { partnerIds: null, now })
  t.equal(after.adminsOnline - base.adminsOnline, 2, 'two admins online (each once), the revoked one not')
  t.equal(after.jobsRunning, 2)
  t.equal(after.eventsPending, 2, 'one event not yet fanned out + one pending delivery')
})

t.test('new customers per month: twelve months up to today, empty months as zero', async (t) => {
  const today = Temporal.PlainDate.from('2026-01-15')
  const months = await newCustomersPerMonth(db, { today, partnerIds: null })
  t.equal(months.length, 12)
  t.same(months[0], { month: '2025-02', count: 0 })
  t.same(months.at(-1), { month: '2026-01', count: 2 })
  t.same(months.find((m) => m.month === '2025-11'), { month: '2025-11', count: 7 })
  t.equal(months.reduce((s, m) => s + m.count, 0), 9, 'older and future customers are outside')
  const southOnly = await newCustomersPerMonth(db, { today, partnerIds: [south], months: 3 })
  t.same(southOnly, [
    { month: '2025-11', count: 0 },
    { month: '2025-12', count: 0 },
    { month: '2026-01', count: 2 },
  ])
})

t.test('the chart is an inline SVG with one bar per month', async (t) => {
  t.same(niceScale(0), { top: 4, step: 1 })
  t.same(niceScale(7), { top: 8, step: 2 })
  t.same(niceScale(130), { top: 150, step: 50 })
  t.equal(monthLabel('2026-01'), "Jan '26")
  t.equal(monthLabel('2025-11', true), 'Nov 2025')
  const svg = barChart(
    [
      { label: 'A<b>', value: 3 },
      { label: 'B', value: 0 },
    ],
    { label: 'Test & chart' },
  )
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 600 240" role="img" aria-label="Test &amp; chart">/)
  t.equal((svg.match(/<rect class="bar"/g) ?? []).length, 2)
  t.match(svg, '<title>A&lt;b&gt;: 3</title>', 'labels are escaped')
  t.notMatch(svg, '<script')
})

t.test('the dashboard page shows the counters, the chart and recent customers', async (t) => {
  const boss = await adminSession(app, { role: 'super_admin' })
  const res = await app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: boss.cookie } })
  t.equal(res.statusCode, 200)
  t.match(res.body, /data-live-key="customers.active">4</)
  t.match(res.body, /data-live-key="customers.blocked">2</)
  t.match(res.body, /data-live-key="customers.total">11</)
  t.match(res.body, /data-live-key="jobsRunning">2</)
  t.match(res.body, 'data-live-topic="dashboard.counters"')
  t.match(res.body, '<script src="/static/js/live.js" defer></script>')
  t.match(res.body, '<title>Nov 2025: 7 new</title>', 'the chart has the month')
  t.equal((res.body.match(/<rect class="bar"/g) ?? []).length, 12)
  t.match(res.body, '2 this month · 9 in 12 months')
  t.match(res.body, '<a href="/admin/customers/', 'recent customers link to their page')
  const names = [...res.body.matchAll(/<td data-label="Name"><a href="\/admin\/customers\/\d+">([^<]+)<\/a>/g)].map((m) => m[1])
  t.same(names.slice(0, 2), ['South Future', 'South Old'], 'newest first')
  t.equal(names.length, 8, 'the last eight')

  const limited = await adminSession(app, { permissions: ['dashboard.view'], partnerIds: [north] })
  const mine = await app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: limited.cookie } })
  t.equal(mine.statusCode, 200)
  t.match(mine.body, /data-live-key="customers.total">7</, 'a partner-limited admin sees their partner only')
  t.notMatch(mine.body, 'Recently added customers', 'no customer list without customers.view')
  t.notMatch(mine.body, 'href="/admin/customers?status=', 'counters are not links without customers.view')

  const other = await adminSession(app, { permissions: ['customers.view'] })
  const denied = await app.inject({ method: 'GET', url: '/admin', headers: { ...html, cookie: other.cookie } })
  t.equal(denied.statusCode, 403, 'dashboard.view is needed')

  const anonymous = await app.inject({ method: 'GET', url: '/admin', headers: html })
  t.equal(anonymous.statusCode, 303)
  t.match(String(anonymous.headers.location), /^\/admin\/login/)
})

t.test('GET /health answers without login after asking the database', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok', db: 'ok' })
  t.match(String(res.headers['content-type']), 'application/json')
})
