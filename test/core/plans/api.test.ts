import t from 'tap'
import { coreModules } from '../../../core/modules.ts'
import plansModule from '../../../core/plans/module.ts'
import { partners } from '../../../core/partners/schema.ts'
import { testApp } from '../../helpers/app.ts'
import { createAdmin, createApiKey } from '../../helpers/auth.ts'

/** Until core/modules.ts lists core:plans, load it the way the host loads any module. */
const withPlans = () => (coreModules.some((m) => m.name === plansModule.name) ? [] : [plansModule])
const ctx = await testApp({ plugins: withPlans() })
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
await db.insert(partners).values({ name: 'Main ISP' })
const boss = await createAdmin(db, {})
const manage = { authorization: `Bearer ${await createApiKey(db, boss.id, ['plans.*', 'taxes.manage'])}` }
const viewOnly = { authorization: `Bearer ${await createApiKey(db, boss.id, ['plans.view'])}` }

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers = manage,
) =>
  app.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  })

t.test('tax rates and plans over the API', async (t) => {
  const vat = await call('POST', '/api/v1/tax-rates', { name: 'VAT 23%', ratePercent: '23' })
  t.equal(vat.statusCode, 201, vat.body)
  t.match(vat.json(), { name: 'VAT 23%', ratePercent: '23', included: false })

  const created = await call('POST', '/api/v1/plans', {
    type: 'internet',
    name: 'Fiber 100',
    price: '199.99',
    taxRateId: vat.json().id,
    downloadKbps: 102400,
    uploadKbps: 20480,
    burstPercent: 50,
    burstThresholdPercent: 75,
    burstTimeS: 16,
    priority: 4,
  })
  t.equal(created.statusCode, 201, created.body)
  const plan = created.json()
  t.match(plan, {
    name: 'Fiber 100',
    price: '199.99',
    priority: 4,
    mikrotikRateLimit: '20M/100M 30M/150M 15M/75M 16/16 4',
  })

  const list = await call('GET', '/api/v1/plans?type=internet', undefined, viewOnly)
  t.equal(list.statusCode, 200)
  t.match(list.json(), { total: 1, items: [{ id: plan.id }] })
  t.equal((await call('GET', `/api/v1/plans/${plan.id}`, undefined, viewOnly)).json().name, 'Fiber 100')

  const patched = await call('PATCH', `/api/v1/plans/${plan.id}`, { active: false })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.json().active, false, 'archived')
  t.equal((await call('GET', '/api/v1/plans?active=true')).json().total, 0)

  const ratesForViewer = await call('GET', '/api/v1/tax-rates', undefined, viewOnly)
  t.equal(ratesForViewer.statusCode, 200, 'plan editors can read the tax rates')
  t.equal(ratesForViewer.json().length, 1)
  t.equal((await call('DELETE', `/api/v1/tax-rates/${vat.json().id}`)).statusCode, 409, 'in use')
})

t.test('errors name the field; money as JSON numbers is refused', async (t) => {
  const asNumber = await call('POST', '/api/v1/plans', { type: 'recurring', name: 'IP', price: 3.5 })
  t.equal(asNumber.statusCode, 400)
  t.same(asNumber.json().fields, [
    { field: 'price', message: 'must be a decimal string such as "19.99", not a JSON number' },
  ])
  const nested = await call('POST', '/api/v1/plans', {
    type: 'internet',
    name: 'Capped',
    price: '10',
    downloadKbps: 1000,
    uploadKbps: 1000,
    capMb: 1000,
    capAction: 'block',
    topUps: [{ name: '+1 GB', mb: 1024, price: 2 }],
  })
  t.same(
    nested.json().fields.map((f: { field: string }) => f.field),
    ['topUps.0.price'],
  )
  const domain = await call('POST', '/api/v1/plans', {
    type: 'recurring',
    name: 'IP',
    price: '1',
    downloadKbps: 1000,
  })
  t.equal(domain.statusCode, 400)
  t.same(domain.json().fields, [{ field: 'downloadKbps', message: 'only internet plans have this' }])
  const missing = await call('POST', '/api/v1/plans', { type: 'internet', name: 'No speed', price: '1' })
  t.same(
    missing.json().fields.map((f: { field: string }) => f.field),
    ['downloadKbps', 'uploadKbps'],
  )
  t.equal((await call('GET', '/api/v1/plans/999')).statusCode, 404)
})

t.test('permissions', async (t) => {
  const res = await call(
    'POST',
    '/api/v1/plans',
    { type: 'one_time', name: 'Install', price: '50' },
    viewOnly,
  )
  t.equal(res.statusCode, 403)
  t.equal(
    (await call('POST', '/api/v1/tax-rates', { name: 'X', ratePercent: '1' }, viewOnly)).statusCode,
    403,
  )
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/plans' })).statusCode, 401)
})
