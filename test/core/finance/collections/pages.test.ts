import t from 'tap'
import { eq } from 'drizzle-orm'
import { auditLog } from '../../../../core/audit/schema.ts'
import { runCollections } from '../../../../core/finance/collections/run.ts'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { financeFixture } from './fixture.ts'

t.setTimeout(600_000)

const ctx = await testApp()
const { app, clock } = ctx
const db = app.ctx.db
const fx = financeFixture(db, clock)

const late = await fx.customer()
const soon = await fx.customer({ blockingPeriodDays: 5 })
const paid = await fx.customer()
await fx.invoice(late.id, '2026-01-01', '70.00')
await fx.invoice(soon.id, '2026-01-01', '20.00')
await fx.invoice(paid.id, '2026-01-01', '20.00')
await fx.pay(paid.id, '20.00', '2026-01-10')
clock.set('2026-01-18T08:00:00Z')
await runCollections(db, fx.deps, '2026-01-18')

t.test('API: the debtors with their next step', async (t) => {
  const admin = await createAdmin(db, { permissions: ['finance.view'] })
  const key = await createApiKey(db, admin.id, ['finance.view'])
  const res = await app.inject({ method: 'GET', url: '/api/v1/collections', headers: { authorization: `Bearer ${key}` } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.total, 2, 'the customer who paid is not listed')
  t.equal(body.totalDebt, '90.00')
  t.match(body.items, [
    { customerId: late.id, status: 'blocked', debt: '70.00', balance: '-70.00', daysOverdue: 2, blockedOn: '2026-01-18', nextAction: 'deactivate', nextDate: '2026-01-28' },
    { customerId: soon.id, status: 'active', debt: '20.00', daysOverdue: 2, nextAction: 'block', nextDate: '2026-01-22' },
  ])
  const denied = await app.inject({ method: 'POST', url: `/api/v1/collections/${late.id}/promise-to-pay`, headers: { authorization: `Bearer ${key}` }, payload: { doNotBlockUntil: '2026-01-25' } })
  t.equal(denied.statusCode, 403, 'a promise needs payments.manage')
  const bad = await app.inject({
    method: 'POST',
    url: `/api/v1/collections/${late.id}/promise-to-pay`,
    headers: { authorization: `Bearer ${await createApiKey(db, (await createAdmin(db)).id, ['payments.manage'])}` },
    payload: { doNotBlockUntil: '2026-13-01' },
  })
  t.equal(bad.statusCode, 400)
})

t.test('page: the list, and "do not block until" from the form, audited, unblocking at once', async (t) => {
  const session = await adminSession(app, { permissions: ['finance.view', 'payments.manage'] })
  const page = await app.inject({ method: 'GET', url: '/admin/finance/collections', headers: { cookie: session.cookie, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Deactivate on 2026-01-28/)
  t.match(page.body, /Block on 2026-01-22/)
  t.match(page.body, new RegExp(`/admin/finance/collections/${late.id}/promise`))

  const post = await app.inject({
    method: 'POST',
    url: `/admin/finance/collections/${late.id}/promise`,
    headers: { cookie: session.cookie, accept: 'text/html' },
    payload: { doNotBlockUntil: '2026-01-25', _csrf: session.csrf },
  })
  t.equal(post.statusCode, 303)
  t.equal(await fx.status(late.id), 'active', 'unblocked by the promise')
  t.equal((await fx.billing(late.id)).doNotBlockUntil, '2026-01-25')
  const audit = await db.select().from(auditLog).where(eq(auditLog.action, 'customer.promise_to_pay'))
  t.match(audit, [{ actorType: 'admin', actorId: session.id, entityId: String(late.id), after: { doNotBlockUntil: '2026-01-25' } }])

  const past = await app.inject({
    method: 'POST',
    url: `/admin/finance/collections/${late.id}/promise`,
    headers: { cookie: session.cookie, accept: 'text/html' },
    payload: { doNotBlockUntil: '2025-12-01', _csrf: session.csrf },
  })
  t.equal(past.statusCode, 303)
  t.equal((await fx.billing(late.id)).doNotBlockUntil, '2026-01-25', 'a day in the past is refused, nothing saved')

  const viewer = await adminSession(app, { permissions: ['finance.view'] })
  const refused = await app.inject({
    method: 'POST',
    url: `/admin/finance/collections/${late.id}/promise`,
    headers: { cookie: viewer.cookie, accept: 'text/html' },
    payload: { doNotBlockUntil: '2026-01-26', _csrf: viewer.csrf },
  })
  t.equal(refused.statusCode, 403)
})

t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
