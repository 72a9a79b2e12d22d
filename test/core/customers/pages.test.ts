import t from 'tap'
import { testApp } from '../../helpers/app.ts'
import { adminSession, cookieHeader, mergeCookies } from '../../helpers/auth.ts'
import { definePlugin } from '../../../core/kernel/plugins/define.ts'
import { partners } from '../../../core/partners/schema.ts'
import { createCustomer } from '../../../core/customers/service.ts'
import { saveCustomFieldDefs } from '../../../core/customers/custom-fields.ts'
import { systemActor } from '../../../core/partners/scope.ts'

const tabPlugin = definePlugin({
  name: 'test-tabs',
  permissions: ['tabtest.view'],
  customerTabs: [{ id: 'services', label: 'Services', permission: 'customers.view', href: (id) => `/admin/customers/${id}/services` }],
})
const ctx = await testApp({ plugins: [tabPlugin] })
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const [main] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
await db.insert(partners).values({ name: 'West Reseller' })
const olena = await createCustomer(db, app.ctx, systemActor, { name: 'Olena Kovalenko', login: 'olena', city: 'Lviv', partnerId: main!.id })
await createCustomer(db, app.ctx, systemActor, { name: 'Ana García', login: 'ana', city: 'Madrid', partnerId: main!.id })
const s = await adminSession(app)

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html', ...headers } })
const post = (url: string, form: Record<string, string>, session = s) =>
  app.inject({
    method: 'POST',
    url,
    headers: { cookie: session.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: session.csrf, ...form }).toString(),
  })

t.test('list: full page, then the table alone for search-as-you-type', async (t) => {
  const page = await get('/admin/customers')
  t.equal(page.statusCode, 200)
  t.match(page.body, /<html/)
  t.match(page.body, /hx-get="\/admin\/customers"/)
  t.match(page.body, /Olena Kovalenko/)
  t.match(page.body, /Ana García/)
  t.match(page.body, /href="\/admin\/customers\/export\?/, 'export link')
  t.match(page.body, /sort=name/, 'sortable headers')
  t.match(page.body, /<option value="\d+">West Reseller<\/option>/, 'partner filter')
  t.match(page.body, /<td data-label="Partner">Main ISP<\/td>/, 'partner column')
  const partial = await get('/admin/customers?q=kova', { 'hx-request': 'true' })
  t.equal(partial.statusCode, 200)
  t.notMatch(partial.body, /<html/, 'only the table for htmx')
  t.match(partial.body, /Olena Kovalenko/)
  t.notMatch(partial.body, /Ana García/)
  const filtered = await get('/admin/customers?city=Madrid')
  t.notMatch(filtered.body, /Olena Kovalenko/)
  t.match(filtered.body, /Ana García/)
  const csv = await get('/admin/customers/export?q=olena')
  t.match(csv.headers['content-type'], /text\/csv/)
  t.match(csv.body, /olena/)
  t.notMatch(csv.body, /Ana/)
})

t.test('create form: errors next to each field, values kept', async (t) => {
  const form = await get('/admin/customers/new')
  t.equal(form.statusCode, 200)
  t.match(form.body, /name="_csrf"/)
  const bad = await post('/admin/customers', { name: '', email: 'broken', billingDay: '30', city: 'Gdańsk', language: 'pl' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="f-name-error">is required</)
  t.match(bad.body, /id="f-email-error">must be an e-mail address</)
  t.match(bad.body, /id="f-billingDay-error">must be a whole number from 1 to 28</)
  t.match(bad.body, /name="city" value="Gdańsk"/, 'values kept')
  t.match(bad.body, /name="email" value="broken"/)
  const good = await post('/admin/customers', { name: 'Jan Kowalski', email: 'jan@example.pl', billingDay: '12', language: 'pl', status: 'new', category: 'person', partnerId: String(main!.id) })
  t.equal(good.statusCode, 303, good.body)
  t.match(good.headers.location, /^\/admin\/customers\/\d+$/)
  const jar = mergeCookies(Object.fromEntries(s.cookie.split('; ').map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)])), good.headers['set-cookie'])
  const shown = await get(String(good.headers.location), { cookie: cookieHeader(jar) })
  t.match(shown.body, /Jan Kowalski/)
  t.match(shown.body, /Customer Jan Kowalski created/, 'flash message')
})

t.test('customer page: tabs from core and plugins; edit; contacts; status', async (t) => {
  const page = await get(`/admin/customers/${olena.id}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, /Information/)
  t.match(page.body, new RegExp(`href="/admin/customers/${olena.id}/contacts"`))
  t.match(page.body, new RegExp(`href="/admin/customers/${olena.id}/services">Services`), 'plugin tab')
  const edit = await post(`/admin/customers/${olena.id}`, { name: 'Olena K.', city: 'Lviv', email: '' })
  t.equal(edit.statusCode, 303)
  t.match((await get(`/admin/customers/${olena.id}`)).body, /Olena K\./)
  const bad = await post(`/admin/customers/${olena.id}/contacts`, { name: '', email: 'x' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="f-name-error">is required</)
  const ok = await post(`/admin/customers/${olena.id}/contacts`, { name: 'Taras', role: 'Son', phone: '+380 50 000 0000' })
  t.equal(ok.statusCode, 303)
  t.match((await get(`/admin/customers/${olena.id}/contacts`)).body, /Taras/)
  const st = await post(`/admin/customers/${olena.id}/status`, { status: 'blocked' })
  t.equal(st.statusCode, 303)
  t.match((await get(`/admin/customers/${olena.id}`)).body, /badge-blocked/)
})

t.test('custom fields appear in the form and are validated', async (t) => {
  await saveCustomFieldDefs(db, app.ctx.clock, systemActor, [{ name: 'contract_no', label: 'Contract number', type: 'text', required: true }])
  const form = await get('/admin/customers/new')
  t.match(form.body, /name="customFields\.contract_no"/)
  const bad = await post('/admin/customers', { name: 'Needs Contract' })
  t.match(bad.body, /is required/)
  t.match(bad.body, /f-customFields-contract_no-error/)
  const good = await post('/admin/customers', { name: 'Has Contract', 'customFields.contract_no': 'K-77' })
  t.equal(good.statusCode, 303)
  t.match((await get(String(good.headers.location))).body, /K-77/)
  await saveCustomFieldDefs(db, app.ctx.clock, systemActor, [])
})

t.test('permission denied without customers.edit', async (t) => {
  const viewer = await adminSession(app, { permissions: ['customers.view'] })
  const page = await app.inject({ method: 'GET', url: `/admin/customers/${olena.id}`, headers: { cookie: viewer.cookie, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, /\/edit"/, 'no edit link')
  const edit = await app.inject({ method: 'GET', url: `/admin/customers/${olena.id}/edit`, headers: { cookie: viewer.cookie, accept: 'text/html' } })
  t.equal(edit.statusCode, 403)
  const save = await post(`/admin/customers/${olena.id}`, { name: 'Hacked' }, viewer)
  t.equal(save.statusCode, 403)
  t.notMatch((await get(`/admin/customers/${olena.id}`)).body, /Hacked/)
})

t.test('CSV import: upload, summary with line numbers, nothing half-imported', async (t) => {
  const csv = 'name;login;email;billing_day\nGood One;good1;g1@example.com;3\nBad Row;bad;nope;99\nGood Two;good2;;7\n'
  const boundary = '----uplinktest'
  const body = [
    `--${boundary}\r\nContent-Disposition: form-data; name="dryRun"\r\n\r\nfalse\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`,
    `--${boundary}--\r\n`,
  ].join('')
  const res = await app.inject({
    method: 'POST',
    url: '/admin/customers/import',
    headers: { cookie: s.cookie, accept: 'text/html', 'x-csrf-token': s.csrf, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  })
  t.equal(res.statusCode, 200, res.body.slice(0, 500))
  t.match(res.body, /data-testid="imported">2</)
  t.match(res.body, /data-testid="errors">1</)
  t.match(res.body, /<td class="num">3<\/td><td>email: must be an e-mail address; billingDay/)
  const list = await get('/admin/customers?q=good')
  t.match(list.body, /Good One/)
  t.match(list.body, /Good Two/)
  t.notMatch((await get('/admin/customers?q=bad')).body, /Bad Row/)
  const noToken = await app.inject({
    method: 'POST',
    url: '/admin/customers/import',
    headers: { cookie: s.cookie, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  })
  t.equal(noToken.statusCode, 403, 'CSRF is checked on the upload')
  const viaQuery = await app.inject({
    method: 'POST',
    url: `/admin/customers/import?_csrf=${encodeURIComponent(s.csrf)}`,
    headers: { cookie: s.cookie, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body.replace('good1', 'good3').replace('good2', 'good4'),
  })
  t.equal(viaQuery.statusCode, 200, 'a form without htmx carries the token in its action')
})

t.test('custom field definitions page', async (t) => {
  t.match((await get('/admin/customers/custom-fields')).body, /name="fields\.0\.name"/)
  const bad = await post('/admin/customers/custom-fields', { 'fields.0.name': 'Bad Name', 'fields.0.type': 'text' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="f-fields-0-name-error">must be lower-case/)
  const ok = await post('/admin/customers/custom-fields', {
    'fields.0.name': 'tariff_zone',
    'fields.0.label': 'Tariff zone',
    'fields.0.type': 'select',
    'fields.0.options': 'A, B',
    'fields.0.required': 'true',
    'fields.1.name': '',
  })
  t.equal(ok.statusCode, 303)
  const form = await get('/admin/customers/new')
  t.match(form.body, /name="customFields\.tariff_zone"/)
  t.match(form.body, /<option value="B">B<\/option>/)
  await saveCustomFieldDefs(db, app.ctx.clock, systemActor, [])
})

t.test('partners pages', async (t) => {
  t.match((await get('/admin/partners')).body, /West Reseller/)
  const bad = await post('/admin/partners', { name: '' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="f-name-error">is required</)
  const ok = await post('/admin/partners', { name: 'East Branch', active: 'true' })
  t.equal(ok.statusCode, 303)
  const list = (await get('/admin/partners')).body
  t.match(list, /East Branch/)
  const id = /href="\/admin\/partners\/(\d+)\/edit">East Branch/.exec(list)![1]
  const edit = await post(`/admin/partners/${id}`, { name: 'East Branch Ltd', active: 'false' })
  t.equal(edit.statusCode, 303)
  t.match((await get('/admin/partners')).body, /East Branch Ltd/)
})
