import t from 'tap'
import { testApp } from '../../helpers/app.ts'
import { createAdmin, createApiKey } from '../../helpers/auth.ts'
import { partners } from '../../../core/partners/schema.ts'

const ctx = await testApp()
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const [main] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
const [north] = await db.insert(partners).values({ name: 'North Reseller' }).returning()
const boss = await createAdmin(db, {})
const key = await createApiKey(db, boss.id, ['customers.*', 'partners.manage'])
const auth = { authorization: `Bearer ${key}` }

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })

t.test('CRUD with an API key', async (t) => {
  const created = await call('POST', '/api/v1/customers', { name: 'Олена Коваленко', email: 'olena@example.ua', city: 'Київ', language: 'uk', billingDay: 15 })
  t.equal(created.statusCode, 201, created.body)
  const c = created.json()
  t.match(c, { name: 'Олена Коваленко', status: 'new', language: 'uk', billingDay: 15, partnerId: main!.id, hasPortalPassword: false })
  t.notOk('portalPasswordHash' in c)
  t.notOk('searchText' in c)

  const got = await call('GET', `/api/v1/customers/${c.id}`)
  t.equal(got.statusCode, 200)
  t.equal(got.json().login, String(c.id))

  const patched = await call('PATCH', `/api/v1/customers/${c.id}`, { phone: '+380 44 123 4567', portalPassword: 'a-long-secret' })
  t.equal(patched.statusCode, 200, patched.body)
  t.match(patched.json(), { phone: '+380 44 123 4567', hasPortalPassword: true, city: 'Київ' })

  const listed = await call('GET', '/api/v1/customers?q=%D0%BA%D0%BE%D0%B2%D0%B0%D0%BB&limit=10')
  t.equal(listed.statusCode, 200)
  t.match(listed.json(), { total: 1, totalExact: true, limit: 10, offset: 0 })
  t.equal(listed.json().items[0].id, c.id)

  const status = await call('POST', `/api/v1/customers/${c.id}/status`, { status: 'active' })
  t.equal(status.json().status, 'active')

  const del = await call('DELETE', `/api/v1/customers/${c.id}`)
  t.equal(del.statusCode, 200)
  t.match(del.json(), { deleted: false, customer: { status: 'inactive' } }, 'an active customer is deactivated, not deleted')

  const fresh = (await call('POST', '/api/v1/customers', { name: 'Temp' })).json()
  t.same((await call('DELETE', `/api/v1/customers/${fresh.id}`)).json(), { deleted: true })
  t.equal((await call('GET', `/api/v1/customers/${fresh.id}`)).statusCode, 404)
})

t.test('errors name the field', async (t) => {
  const res = await call('POST', '/api/v1/customers', { name: 'Bad', email: 'nope', billingDay: 31 })
  t.equal(res.statusCode, 400)
  const fields = res.json().fields.map((f: { field: string }) => f.field)
  t.ok(fields.includes('billingDay'), 'schema error names billingDay')
  const res2 = await call('POST', '/api/v1/customers', { name: 'Bad', email: 'nope', language: 'en' })
  t.equal(res2.statusCode, 400)
  t.same(res2.json().fields, [{ field: 'email', message: 'must be an e-mail address' }])
  const res3 = await call('POST', '/api/v1/customers', { email: 'x@y.z' })
  t.equal(res3.statusCode, 400)
  t.ok(res3.json().fields.some((f: { field: string }) => f.field === 'name'))
  const dup1 = await call('POST', '/api/v1/customers', { name: 'Dup', login: 'dup' })
  t.equal(dup1.statusCode, 201)
  const dup2 = await call('POST', '/api/v1/customers', { name: 'Dup 2', login: 'dup' })
  t.same(dup2.json().fields, [{ field: 'login', message: 'is already taken' }])
})

t.test('contacts', async (t) => {
  const c = (await call('POST', '/api/v1/customers', { name: 'Empresa SL', category: 'company', language: 'es' })).json()
  const k = await call('POST', `/api/v1/customers/${c.id}/contacts`, { name: 'María López', role: 'Finanzas', email: 'maria@empresa.es' })
  t.equal(k.statusCode, 201, k.body)
  const contactId = k.json().id
  const u = await call('PATCH', `/api/v1/customers/${c.id}/contacts/${contactId}`, { phone: '+34 600 000 000' })
  t.equal(u.json().phone, '+34 600 000 000')
  const list = await call('GET', `/api/v1/customers/${c.id}/contacts`)
  t.equal(list.json().length, 1)
  t.equal((await call('DELETE', `/api/v1/customers/${c.id}/contacts/${contactId}`)).statusCode, 204)
  t.same((await call('GET', `/api/v1/customers/${c.id}/contacts`)).json(), [])
})

t.test('CSV import through the API and export', async (t) => {
  const csv = ['name,login,email,billing_day,city', 'Jan Nowak,jnowak,jan@nowak.pl,5,Kraków', 'Broken,,not-mail,40,X', 'Ewa Wiśniewska,ewa,,10,Poznań'].join('\n')
  const dry = await app.inject({ method: 'POST', url: '/api/v1/customers/import?dryRun=true', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv })
  t.equal(dry.statusCode, 200, dry.body)
  t.match(dry.json(), { dryRun: true, rows: 3, imported: 2, createdIds: [] })
  t.equal((await call('GET', '/api/v1/customers?q=jnowak')).json().items.length, 0, 'a dry run imports nothing')
  const real = await app.inject({ method: 'POST', url: '/api/v1/customers/import', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv })
  const r = real.json()
  t.match(r, { dryRun: false, rows: 3, imported: 2 })
  t.equal(r.errors.length, 1)
  t.equal(r.errors[0].line, 3)
  t.same(r.errors[0].fields.map((f: { field: string }) => f.field).sort(), ['billingDay', 'email'])
  const exp = await call('GET', '/api/v1/customers/export?city=Krak%C3%B3w')
  t.equal(exp.statusCode, 200)
  t.match(exp.headers['content-type'], /text\/csv/)
  t.match(exp.body, /jnowak,new,person,Jan Nowak,jan@nowak\.pl/)
  t.equal(exp.body.trim().split('\n').length, 2, 'header and one row')
})

t.test('partners API and partner-limited keys', async (t) => {
  const list = await call('GET', '/api/v1/partners')
  t.same(list.json().map((p: { name: string }) => p.name), ['Main ISP', 'North Reseller'])
  const created = await call('POST', '/api/v1/partners', { name: 'South Branch' })
  t.equal(created.statusCode, 201)
  const dup = await call('POST', '/api/v1/partners', { name: 'south branch' })
  t.same(dup.json().fields, [{ field: 'name', message: 'is already used by another partner' }])
  const renamed = await call('PATCH', `/api/v1/partners/${created.json().id}`, { name: 'South', active: false })
  t.match(renamed.json(), { name: 'South', active: false })
  t.equal((await call('DELETE', `/api/v1/partners/${created.json().id}`)).statusCode, 204)
  t.equal((await call('DELETE', `/api/v1/partners/${main!.id}`)).statusCode, 409, 'a partner with customers stays')

  const limited = await createAdmin(db, { partnerIds: [north!.id] })
  const lkey = await createApiKey(db, limited.id, ['customers.*'])
  const lauth = { authorization: `Bearer ${lkey}` }
  const own = await call('POST', '/api/v1/customers', { name: 'Northern Customer' }, lauth)
  t.equal(own.json().partnerId, north!.id)
  const mainCustomer = (await call('GET', '/api/v1/customers?partnerId=' + main!.id + '&limit=1')).json().items[0]
  t.equal((await call('GET', `/api/v1/customers/${mainCustomer.id}`, undefined, lauth)).statusCode, 404)
  t.equal((await call('PATCH', `/api/v1/customers/${mainCustomer.id}`, { name: 'x' }, lauth)).statusCode, 404)
  const seen = (await call('GET', '/api/v1/customers?limit=100', undefined, lauth)).json().items
  t.same(seen.map((c: { name: string }) => c.name), ['Northern Customer'])
})

t.test('permissions', async (t) => {
  const viewer = await createAdmin(db, { permissions: ['customers.view'] })
  const vkey = await createApiKey(db, viewer.id, ['customers.view'])
  const vauth = { authorization: `Bearer ${vkey}` }
  t.equal((await call('GET', '/api/v1/customers', undefined, vauth)).statusCode, 200)
  t.equal((await call('POST', '/api/v1/customers', { name: 'No' }, vauth)).statusCode, 403)
  const any = (await call('GET', '/api/v1/customers?limit=1')).json().items[0]
  t.equal((await call('PATCH', `/api/v1/customers/${any.id}`, { name: 'No' }, vauth)).statusCode, 403)
  t.equal((await call('GET', '/api/v1/customers/export', undefined, vauth)).statusCode, 403)
  t.equal((await call('GET', '/api/v1/partners', undefined, vauth)).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/customers' })).statusCode, 401)
})

t.test('OpenAPI lists the customers and partners operations', async (t) => {
  const doc = app.swagger() as { paths: Record<string, Record<string, { tags?: string[] }>> }
  t.ok(doc.paths['/api/v1/customers']?.get?.tags?.includes('customers'))
  t.ok(doc.paths['/api/v1/customers/{id}']?.patch)
  t.ok(doc.paths['/api/v1/partners']?.post?.tags?.includes('partners'))
  t.notOk(doc.paths['/admin/customers'], 'panel pages are hidden')
})
