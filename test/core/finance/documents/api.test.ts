import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { auditLog } from '../../../../core/audit/schema.ts'
import { invoices, payments } from '../../../../core/finance/schema.ts'
import { partners } from '../../../../core/partners/schema.ts'
import { taxRates } from '../../../../core/plans/schema.ts'
import { readStoredZip } from '../../../../core/finance/pdf/zip-entries.ts'
import { newCustomer } from './fixtures.ts'

// The machine running the suite is shared and slow on the embedded database.
t.setTimeout(600_000)

const ctx = await testApp()
t.teardown(ctx.close)
const { app } = ctx
const db = app.ctx.db
const boss = await createAdmin(db, {})
const key = await createApiKey(db, boss.id, ['finance.*', 'invoices.*', 'payments.*', 'credit_notes.*', 'transactions.*', 'customers.*'])
const auth = { authorization: `Bearer ${key}` }
const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })
const [vat] = await db.insert(taxRates).values({ name: 'VAT 23', ratePercent: '23' }).returning()
const c = await newCustomer(db)

t.test('invoice, payment, credit note, statement and balance through the API', async (t) => {
  const created = await call('POST', '/api/v1/invoices', {
    customerId: c.id,
    issueDate: '2026-01-10',
    lines: [{ description: 'Installation', quantity: '1', unitPrice: '100', taxRateId: vat!.id }],
  })
  t.equal(created.statusCode, 201, created.body)
  const inv = created.json()
  t.match(inv, { total: '123', due: '123', status: 'issued', series: 'invoice' })

  const edit = await call('PATCH', `/api/v1/invoices/${inv.id}`, { note: 'changed' })
  t.equal(edit.statusCode, 409)
  t.match(edit.json().message, /immutable.*credit note/)

  const paid = await call('POST', '/api/v1/payments', { customerId: c.id, method: 'bank_transfer', amount: '23.00', reference: inv.number })
  t.equal(paid.statusCode, 201, paid.body)
  t.same(paid.json().allocations, [{ invoiceId: inv.id, amount: '23' }])

  const cn = await call('POST', '/api/v1/credit-notes', { invoiceId: inv.id, reason: 'Discount', amount: '100.00' })
  t.equal(cn.statusCode, 201, cn.body)
  const got = await call('GET', `/api/v1/invoices/${inv.id}`)
  t.match(got.json(), { status: 'paid', due: '0' })
  t.equal(got.json().items.length, 1)
  t.equal(got.json().allocations.length, 2)

  const balance = await call('GET', `/api/v1/customers/${c.id}/balance`)
  t.match(balance.json(), { balance: '0', upcomingCharges: '0' })
  const charge = await call('POST', `/api/v1/customers/${c.id}/pending-charges`, { description: 'Router', unitPrice: '49.90' })
  t.equal(charge.statusCode, 201, charge.body)
  t.match((await call('GET', `/api/v1/customers/${c.id}/balance`)).json(), { balance: '0', upcomingCharges: '49.9' })

  const statement = await call('GET', `/api/v1/customers/${c.id}/statement?from=2026-01-01&to=2026-12-31`)
  t.equal(statement.statusCode, 200, statement.body)
  t.same(
    statement.json().rows.map((r: { kind: string; balance: string }) => [r.kind, r.balance]),
    [
      ['invoice', '-123.00'],
      ['payment', '-100.00'],
      ['credit_note', '0.00'],
    ],
  )
  const csv = await call('GET', `/api/v1/customers/${c.id}/statement?from=2026-01-01&to=2026-12-31&format=csv`)
  t.match(csv.headers['content-type'], /text\/csv/)
  t.match(csv.body, /Closing balance/)
  const ledger = await call('GET', `/api/v1/customers/${c.id}/ledger`)
  t.equal(ledger.json().length, 3)

  const list = await call('GET', `/api/v1/invoices?customerId=${c.id}&status=paid`)
  t.equal(list.json().total, 1)
  const pays = await call('GET', `/api/v1/payments?customerId=${c.id}`)
  t.equal(pays.json().items[0].allocated, '23')
  const voided = await call('POST', `/api/v1/payments/${paid.json().id}/void`, { reason: 'bounced' })
  t.equal(voided.statusCode, 200, voided.body)
  t.match((await call('GET', `/api/v1/invoices/${inv.id}`)).json(), { status: 'issued', due: '23' }, 'not yet past its due date')
})

t.test('a webhook-style payment posted twice pays once', async (t) => {
  const body = { customerId: c.id, method: 'online', amount: '10.00', gateway: 'paypal', gatewayReference: 'TX-1' }
  const one = await call('POST', '/api/v1/payments', body)
  const two = await call('POST', '/api/v1/payments', body)
  t.equal(one.statusCode, 201)
  t.equal(two.statusCode, 200)
  t.equal(two.json().id, one.json().id)
  t.equal(two.json().created, false)
})

t.test('validation errors name the field and save nothing', async (t) => {
  const count = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(payments))[0]!.n
  const before = await count()
  const noCustomer = await call('POST', '/api/v1/payments', { method: 'cash', amount: '5.00' })
  t.equal(noCustomer.statusCode, 400)
  t.same(noCustomer.json().fields.map((f: { field: string }) => f.field), ['customerId'])
  const number = await call('POST', '/api/v1/payments', { customerId: c.id, method: 'cash', amount: 5.1 })
  t.equal(number.statusCode, 400)
  t.same(number.json().fields.map((f: { field: string }) => f.field), ['amount'])
  const negative = await call('POST', '/api/v1/payments', { customerId: c.id, method: 'cash', amount: '-5' })
  t.equal(negative.statusCode, 400)
  t.same(negative.json().fields.map((f: { field: string }) => f.field), ['amount'])
  t.equal(await count(), before)

  const invBefore = (await db.select({ n: sql<number>`count(*)::int` }).from(invoices))[0]!.n
  const badLine = await call('POST', '/api/v1/invoices', { customerId: c.id, lines: [{ description: 'x', quantity: '-1', unitPrice: '5' }] })
  t.equal(badLine.statusCode, 400)
  t.same(badLine.json().fields.map((f: { field: string }) => f.field), ['lines.0.quantity'])
  const terms = await call('PATCH', `/api/v1/customers/${c.id}/billing-terms`, { periodsAhead: 13 })
  t.equal(terms.statusCode, 400)
  t.match(terms.json().fields[0].field, /periodsAhead/)
  t.equal((await db.select({ n: sql<number>`count(*)::int` }).from(invoices))[0]!.n, invBefore)
  const ok = await call('PATCH', `/api/v1/customers/${c.id}/billing-terms`, { paymentDueDays: 30, minimumBalance: '5.00' })
  t.equal(ok.statusCode, 200, ok.body)
  t.match(ok.json(), { paymentDueDays: 30, minimumBalance: '5', blockingPeriodDays: null })
})

t.test('partners: an admin limited to another partner sees nothing of this customer', async (t) => {
  const [other] = await db.insert(partners).values({ name: 'Other ISP' }).returning()
  const limited = await createAdmin(db, { partnerIds: [other!.id] })
  const limitedKey = await createApiKey(db, limited.id, ['finance.*', 'payments.*'])
  const h = { authorization: `Bearer ${limitedKey}` }
  t.equal((await call('GET', `/api/v1/customers/${c.id}/balance`, undefined, h)).statusCode, 404)
  t.equal((await call('GET', `/api/v1/invoices?customerId=${c.id}`, undefined, h)).json().total, 0)
  const pay = await call('POST', '/api/v1/payments', { customerId: c.id, method: 'cash', amount: '1.00' }, h)
  t.equal(pay.statusCode, 400)
  t.same(pay.json().fields.map((f: { field: string }) => f.field), ['customerId'])
})

t.test('panel: billing tab, invoice form, edit refusal, statement, payments; every change audited', async (t) => {
  const s = await adminSession(app)
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } })
  const post = (url: string, payload: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { cookie: s.cookie, accept: 'text/html' }, payload: { _csrf: s.csrf, ...payload } })
  const tab = await get(`/admin/customers/${c.id}/billing`)
  t.equal(tab.statusCode, 200, tab.body.slice(0, 500))
  t.match(tab.body, /Upcoming charges/)
  t.match(tab.body, /49\.90/)

  const form = await post('/admin/finance/invoices', {
    customerId: String(c.id),
    'lines.0.description': 'Cable',
    'lines.0.quantity': '2',
    'lines.0.unitPrice': '5',
    'lines.3.description': '',
    'lines.4.description': 'Bad',
    'lines.4.quantity': '0',
    'lines.4.unitPrice': '1',
  })
  t.equal(form.statusCode, 400)
  t.match(form.body, /must be a number greater than 0/)
  const made = await post('/admin/finance/invoices', { customerId: String(c.id), 'lines.0.description': 'Cable', 'lines.0.quantity': '2', 'lines.0.unitPrice': '5' })
  t.equal(made.statusCode, 303, made.body.slice(0, 300))
  const id = Number(String(made.headers.location).split('/').pop())
  const view = await get(`/admin/finance/invoices/${id}`)
  t.equal(view.statusCode, 200)
  t.match(view.body, /Create credit note/)
  t.match(view.body, /cannot be voided while payments or credit notes are applied/)
  const edit = await get(`/admin/finance/invoices/${id}/edit`)
  t.equal(edit.statusCode, 409)
  t.match(edit.body, /cannot be changed/)
  t.match(edit.body, /Create a credit note/)

  const pay = await post('/admin/finance/payments', { customerId: String(c.id), method: 'cash', amount: '10.00', reference: '' })
  t.equal(pay.statusCode, 303, pay.body.slice(0, 300))
  const receipt = await get(`${pay.headers.location}/receipt`)
  t.equal(receipt.statusCode, 200)
  t.match(receipt.body, /Receipt 2026-01-\d{5}/)

  const statement = await get(`/admin/customers/${c.id}/statement?from=2026-01-01&to=2026-12-31`)
  t.equal(statement.statusCode, 200)
  t.match(statement.body, /Opening balance/)

  const terms = await post(`/admin/customers/${c.id}/billing/terms`, { type: 'recurring_prepaid', periodsAhead: '0', enabled: 'true' })
  t.equal(terms.statusCode, 400)
  t.match(terms.body, /must be a whole number from 1 to 12/)

  for (const url of ['/admin/finance/invoices', '/admin/finance/invoices?kind=proforma', '/admin/finance/payments', '/admin/finance/credit-notes', '/admin/finance/invoices/new', '/admin/finance/payments/new', `/admin/finance/credit-notes/new?invoiceId=${id}`, '/admin/finance/credit-notes/new']) {
    const page = await get(url)
    t.equal(page.statusCode, 200, `${url}: ${page.body.slice(0, 200)}`)
  }
  const csv = await get('/admin/finance/invoices?format=csv')
  t.match(csv.body.split('\n')[0], /^number,kind,customer_id/)

  const audited = await db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.actorId, s.id))
  t.ok(audited.some((a) => a.action === 'invoice.create'))
  t.ok(audited.some((a) => a.action === 'payment.create'))
})

t.test('PDFs: an invoice, a credit note, a statement, and a ZIP of selected invoices', async (t) => {
  const s = await adminSession(app)
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: s.cookie, accept: 'text/html' } })
  const inv = (await call('POST', '/api/v1/invoices', { customerId: c.id, lines: [{ description: 'Łącze 100 Mb/s', quantity: '1', unitPrice: '50' }] })).json()
  const inv2 = (await call('POST', '/api/v1/invoices', { customerId: c.id, lines: [{ description: 'Router', quantity: '1', unitPrice: '5' }] })).json()
  const pdf = await get(`/admin/finance/invoices/${inv.id}/pdf`)
  t.equal(pdf.statusCode, 200, 'invoice PDF')
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
  const again = await get(`/admin/finance/invoices/${inv.id}/pdf`)
  t.ok(again.rawPayload.equals(pdf.rawPayload), 'the same invoice renders to the same bytes')
  const apiPdf = await call('GET', `/api/v1/invoices/${inv.id}/pdf`)
  t.equal(apiPdf.headers['content-type'], 'application/pdf')
  const cn = (await call('POST', '/api/v1/credit-notes', { invoiceId: inv.id, reason: 'Outage', amount: '5.00' })).json()
  const cnPdf = await get(`/admin/finance/credit-notes/${cn.id}/pdf`)
  t.equal(cnPdf.statusCode, 200, 'credit note PDF')
  t.equal(cnPdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
  const st = await get(`/admin/customers/${c.id}/statement/pdf?from=2026-01-01&to=2026-12-31`)
  t.equal(st.statusCode, 200, 'statement PDF')
  t.equal(st.rawPayload.subarray(0, 5).toString(), '%PDF-')
  const list = await get('/admin/finance/invoices')
  t.match(list.body, /Download selected as ZIP/)
  const zip = await app.inject({
    method: 'POST',
    url: '/admin/finance/invoices/pdf.zip',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(s.csrf)}&ids=${inv.id}&ids=${inv2.id}`,
  })
  t.equal(zip.statusCode, 200, 'ZIP')
  t.equal(zip.headers['content-type'], 'application/zip')
  const entries = readStoredZip(zip.rawPayload)
  t.same(entries.map((e) => e.name).sort(), [`invoice-${inv.number}.pdf`, `invoice-${inv2.number}.pdf`].sort())
})

t.test('the OpenAPI document lists the finance routes with their schemas', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/docs/json' })
  t.equal(res.statusCode, 200)
  const paths = res.json().paths as Record<string, Record<string, { requestBody?: unknown }>>
  for (const p of ['/api/v1/invoices', '/api/v1/invoices/{id}/void', '/api/v1/payments', '/api/v1/credit-notes', '/api/v1/customers/{id}/statement', '/api/v1/customers/{id}/billing-terms'])
    t.ok(paths[p], p)
  t.ok(paths['/api/v1/payments']!.post!.requestBody, 'payment body schema is published')
})
