import t from 'tap'
import { eq } from 'drizzle-orm'
import { createCustomer } from '../../../core/customers/service.ts'
import { partners } from '../../../core/partners/schema.ts'
import { systemActor } from '../../../core/partners/scope.ts'
import { createPlan } from '../../../core/plans/service.ts'
import { services } from '../../../core/services/schema.ts'
import { testApp } from '../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../helpers/auth.ts'

const ctx = await testApp()
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const [main] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
const [north] = await db.insert(partners).values({ name: 'North' }).returning()
const alice = await createCustomer(db, app.ctx, systemActor, { name: 'Alice', login: 'alice', partnerId: main!.id })
const bob = await createCustomer(db, app.ctx, systemActor, { name: 'Bob', login: 'bob', partnerId: north!.id })
const plan = (name: string, down: number) =>
  createPlan(db, app.ctx, systemActor, { type: 'internet', name, price: '200', downloadKbps: down, uploadKbps: down / 4, priority: 8 })
const fiber100 = await plan('Fiber 100', 102400)
const fiber300 = await plan('Fiber 300', 307200)

const boss = await createAdmin(db, {})
const bearer = async (permissions: string[], partnerIds?: number[]) => {
  const owner = partnerIds ? await createAdmin(db, { partnerIds }) : boss
  return { authorization: `Bearer ${await createApiKey(db, owner.id, permissions)}` }
}
const manage = await bearer(['services.view', 'services.manage', 'services.password.view'])
const viewOnly = await bearer(['services.view'])
const northKey = await bearer(['services.view', 'services.manage'], [north!.id])

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = manage) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })

t.test('CRUD over the API', async (t) => {
  const created = await call('POST', `/api/v1/customers/${alice.id}/services`, {
    planId: fiber100.id,
    quantity: '1',
    discountPercent: '10',
    discountEnd: '2026-06-30',
    password: 'pppoe-secret',
    ipv4Address: '10.0.0.15',
    mac: 'aabb.cc00.1122',
  })
  t.equal(created.statusCode, 201, created.body)
  const s = created.json()
  t.match(s, { login: 'alice', quantity: '1', discountPercent: '10', hasPassword: true, mac: 'AA:BB:CC:00:11:22', status: 'active' })
  t.notOk('password' in s || 'passwordEncrypted' in s, 'no password in the reply')

  const list = await call('GET', `/api/v1/customers/${alice.id}/services`, undefined, viewOnly)
  t.equal(list.statusCode, 200)
  t.same(list.json().map((x: { id: number }) => x.id), [s.id])
  t.equal((await call('GET', `/api/v1/services/${s.id}`, undefined, viewOnly)).json().ipv4Address, '10.0.0.15')

  const patched = await call('PATCH', `/api/v1/services/${s.id}`, { quantity: '2', unitPrice: '180.5' })
  t.equal(patched.statusCode, 200, patched.body)
  t.match(patched.json(), { quantity: '2', unitPrice: '180.5' })

  const pw = await call('GET', `/api/v1/services/${s.id}/password`)
  t.same(pw.json(), { password: 'pppoe-secret' })
  t.equal((await call('GET', `/api/v1/services/${s.id}/password`, undefined, viewOnly)).statusCode, 403)

  const scheduled = await call('POST', `/api/v1/services/${s.id}/plan-change`, { planId: fiber300.id, effectiveDate: '2026-02-01' })
  t.equal(scheduled.statusCode, 200, scheduled.body)
  t.match(scheduled.json(), { nextPlanId: fiber300.id, planChangeDate: '2026-02-01' })
  t.equal((await call('DELETE', `/api/v1/services/${s.id}/plan-change`)).json().nextPlanId, null)

  const mass = await call('POST', '/api/v1/services/mass-plan-change', { fromPlanId: fiber100.id, toPlanId: fiber300.id, effectiveDate: '2026-01-15' })
  t.equal(mass.statusCode, 200, mass.body)
  t.same(mass.json(), { services: 1, applied: 1 })

  const stopped = await call('POST', `/api/v1/services/${s.id}/status`, { status: 'stopped' })
  t.match(stopped.json(), { status: 'stopped', endDate: '2026-01-15' })
  const refused = await call('POST', `/api/v1/services/${s.id}/status`, { status: 'pending' })
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { error: 'invalid_state', message: 'A stopped service cannot become pending (it can become active, archived)' })
})

t.test('errors name the field; nothing saved', async (t) => {
  const before = (await db.select().from(services)).length
  const bad = await call('POST', `/api/v1/customers/${alice.id}/services`, { planId: fiber100.id, quantity: '-2', endDate: '2025-01-01' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().fields, [
    { field: 'quantity', message: 'must be greater than 0' },
    { field: 'endDate', message: 'must not be before the start date 2026-01-15' },
  ])
  const asNumber = await call('POST', `/api/v1/customers/${alice.id}/services`, { planId: fiber100.id, quantity: 2 })
  t.equal(asNumber.statusCode, 400)
  t.same(asNumber.json().fields, [{ field: 'quantity', message: 'must be a decimal string such as "19.99", not a JSON number' }])
  const missing = await call('POST', `/api/v1/customers/${alice.id}/services`, { quantity: '1' })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().fields, [{ field: 'planId' }])
  t.equal((await db.select().from(services)).length, before)
})

t.test('permissions and partner scoping', async (t) => {
  t.equal((await call('POST', `/api/v1/customers/${alice.id}/services`, { planId: fiber100.id }, viewOnly)).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/customers/${alice.id}/services` })).statusCode, 401)
  const aliceService = (await db.select().from(services).where(eq(services.customerId, alice.id)))[0]!
  t.equal((await call('GET', `/api/v1/services/${aliceService.id}`, undefined, northKey)).statusCode, 404)
  t.equal((await call('GET', `/api/v1/customers/${alice.id}/services`, undefined, northKey)).statusCode, 404)
  t.equal((await call('PATCH', `/api/v1/services/${aliceService.id}`, { quantity: '3' }, northKey)).statusCode, 404)
  const own = await call('POST', `/api/v1/customers/${bob.id}/services`, { planId: fiber100.id }, northKey)
  t.equal(own.statusCode, 201, own.body)
  t.equal(own.json().partnerId, north!.id)
})

t.test('panel: the Services tab, the form, the password reveal', async (t) => {
  const s = await adminSession(app)
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } })
  const post = (url: string, form: [string, string][]) =>
    app.inject({
      method: 'POST',
      url,
      headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', s.csrf], ...form]).toString(),
    })
  const info = await get(`/admin/customers/${bob.id}`)
  t.match(info.body, `href="/admin/customers/${bob.id}/services"`, 'the customer page links the tab')
  const form = await get(`/admin/customers/${bob.id}/services/new`)
  t.equal(form.statusCode, 200)
  t.match(form.body, 'Fiber 300')

  const bad = await post(`/admin/customers/${bob.id}/services`, [
    ['planId', String(fiber300.id)],
    ['quantity', '0'],
  ])
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'must be greater than 0')

  const ok = await post(`/admin/customers/${bob.id}/services`, [
    ['planId', String(fiber300.id)],
    ['quantity', '1'],
    ['startDate', '2026-01-15'],
    ['login', 'bob-panel'],
    ['password', 'panel-pass'],
    ['discountPercent', '5'],
  ])
  t.equal(ok.statusCode, 303, ok.body)
  const tab = await get(`/admin/customers/${bob.id}/services`)
  t.equal(tab.statusCode, 200)
  t.match(tab.body, 'bob-panel')
  t.match(tab.body, 'badge-active')
  const row = (await db.select().from(services).where(eq(services.login, 'bob-panel')))[0]!
  const edit = await get(`/admin/services/${row.id}/edit`)
  t.match(edit.body, '••••••••')
  t.notMatch(edit.body, 'panel-pass', 'the password is masked')
  t.match((await get(`/admin/services/${row.id}/password`)).body, 'panel-pass', 'revealed on request')

  const saved = await post(`/admin/services/${row.id}`, [
    ['planId', String(fiber300.id)],
    ['quantity', '2'],
    ['startDate', '2026-01-15'],
    ['login', 'bob-panel'],
    ['password', ''],
    ['discountPercent', '5'],
  ])
  t.equal(saved.statusCode, 303, saved.body)
  const after = (await db.select().from(services).where(eq(services.id, row.id)))[0]!
  t.equal(after.quantity, '2.0000')
  t.equal(after.passwordEncrypted, row.passwordEncrypted, 'an empty password field keeps the password')

  const viewer = await adminSession(app, { permissions: ['customers.view', 'services.view'] })
  const hidden = await app.inject({ method: 'GET', url: `/admin/services/${row.id}/password`, headers: { cookie: viewer.cookie, accept: 'text/html' } })
  t.equal(hidden.statusCode, 403)
})

t.test('panel: mass plan change', async (t) => {
  const s = await adminSession(app)
  const page = await app.inject({ method: 'GET', url: '/admin/services/mass-plan-change', headers: { cookie: s.cookie, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Fiber 300 \(internet\): \d+ live services/)
  const post = (form: [string, string][]) =>
    app.inject({
      method: 'POST',
      url: '/admin/services/mass-plan-change',
      headers: { cookie: s.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', s.csrf], ...form]).toString(),
    })
  const bad = await post([
    ['fromPlanId', String(fiber300.id)],
    ['toPlanId', String(fiber100.id)],
    ['effectiveDate', '2026-01-01'],
  ])
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'must be today (2026-01-15) or later')
  const live = await db.select().from(services).where(eq(services.planId, fiber300.id))
  const ok = await post([
    ['fromPlanId', String(fiber300.id)],
    ['toPlanId', String(fiber100.id)],
    ['effectiveDate', '2026-02-01'],
  ])
  t.equal(ok.statusCode, 303)
  const after = await db.select().from(services).where(eq(services.nextPlanId, fiber100.id))
  t.equal(after.length, live.filter((x) => x.status !== 'stopped' && x.status !== 'archived').length)
  t.ok(after.length > 0 && after.every((x) => x.planChangeDate === '2026-02-01'))
})
