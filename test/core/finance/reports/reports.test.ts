import t from 'tap'
import { eq } from 'drizzle-orm'
import { issueCreditNote } from '../../../../core/finance/credit-notes/issue.ts'
import { voidInvoice } from '../../../../core/finance/invoices/void.ts'
import { customerBalance } from '../../../../core/finance/ledger.ts'
import { invoiceItems } from '../../../../core/finance/schema.ts'
import { partners } from '../../../../core/partners/schema.ts'
import { systemActor } from '../../../../core/partners/scope.ts'
import { plans, taxRates } from '../../../../core/plans/schema.ts'
import { services } from '../../../../core/services/schema.ts'
import { testApp } from '../../../helpers/app.ts'
import { adminSession, createAdmin, createApiKey } from '../../../helpers/auth.ts'
import { financeFixture } from '../collections/fixture.ts'

t.setTimeout(600_000)

const ctx = await testApp()
const { app, clock } = ctx
const db = app.ctx.db
const fx = financeFixture(db, clock)

// Partner 1: customer A (documents of every kind) and C (a service only). Partner 2: customer B (aging).
const p1 = await fx.partnerId()
const [second] = await db.insert(partners).values({ name: 'Reseller Two' }).returning()
const p2 = second!.id
const [vat] = await db.insert(taxRates).values({ name: 'VAT 20', ratePercent: '20' }).returning()
const [fiber] = await db.insert(plans).values({ type: 'recurring', name: 'Fiber', price: '100' }).returning()
const [tv] = await db.insert(plans).values({ type: 'recurring', name: 'TV', price: '50' }).returning()

const a = await fx.customer()
const c = await fx.customer()
const b = await fx.customer({ paymentDueDays: 0 }, { partnerId: p2 })

const jan = await fx.invoice(a.id, '2026-01-10', '100.00', { planId: fiber!.id, taxRateId: vat!.id })
await fx.invoice(a.id, '2026-02-10', '50.00', { planId: tv!.id })
const wrong = await fx.invoice(a.id, '2026-02-15', '30.00', { planId: fiber!.id })
clock.set('2026-02-16T10:00:00Z')
await voidInvoice(db, fx.deps, systemActor, wrong.id, 'issued by mistake')
clock.set('2026-02-20T10:00:00Z')
const [janItem] = await db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, jan.id))
await issueCreditNote(db, fx.deps, systemActor, {
  invoiceId: jan.id,
  issueDate: '2026-02-20',
  reason: 'outage',
  items: [{ invoiceItemId: janItem!.id, amount: '10.00' }],
})
await fx.pay(a.id, '100.00', '2026-03-05')

await db.insert(services).values([
  { customerId: a.id, planId: fiber!.id, type: 'recurring', description: 'Fiber', startDate: '2026-01-01', discountPercent: '10', discountStart: '2026-03-01' },
  { customerId: a.id, planId: tv!.id, type: 'recurring', description: 'TV', startDate: '2026-02-10', endDate: '2026-03-15', unitPrice: '40', quantity: '2' },
  { customerId: c.id, planId: fiber!.id, type: 'recurring', description: 'Fiber', startDate: '2026-02-01' },
  { customerId: c.id, planId: tv!.id, type: 'one_time', description: 'Installation', startDate: '2026-02-01' },
])

// Aging on 1 May 2026 (due date = issue date for B): days late 0, 30, 31, 60, 61, 90, 91, and one issued later.
const aging: [string, string][] = [
  ['2026-05-01', '1.00'],
  ['2026-04-01', '2.00'],
  ['2026-03-31', '3.00'],
  ['2026-03-02', '4.00'],
  ['2026-03-01', '5.00'],
  ['2026-01-31', '6.00'],
  ['2026-01-30', '7.00'],
  ['2026-05-10', '8.00'],
]
for (const [day, amount] of aging) await fx.invoice(b.id, day, amount)
clock.set('2026-05-20T10:00:00Z')

const admin = await createAdmin(db, { permissions: ['reports.view', 'finance.view'] })
const key = await createApiKey(db, admin.id, ['reports.view'])
const nobody = await createAdmin(db, { permissions: ['customers.view'] })
const otherKey = await createApiKey(db, nobody.id, ['customers.view'])
const api = async (path: string, k = key) => {
  const res = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${k}` } })
  return { status: res.statusCode, body: res.json() }
}

t.test('revenue by month and by plan, net of voids and credit notes', async (t) => {
  const { status, body } = await api(`/api/v1/reports/revenue?from=2026-01-01&to=2026-03-31&partnerId=${p1}`)
  t.equal(status, 200)
  t.same(body.byMonth, [
    { month: '2026-01', invoiced: '100.00', credited: '0.00', net: '100.00' },
    { month: '2026-02', invoiced: '50.00', credited: '10.00', net: '40.00' },
  ])
  t.same(body.byPlan, [
    { planId: fiber!.id, plan: 'Fiber', invoiced: '100.00', credited: '10.00', net: '90.00' },
    { planId: tv!.id, plan: 'TV', invoiced: '50.00', credited: '0.00', net: '50.00' },
  ])
  t.same(body.total, { invoiced: '150.00', credited: '10.00', net: '140.00' })
})

t.test('MRR and ARPU per month from running recurring services', async (t) => {
  const { status, body } = await api('/api/v1/reports/mrr?from=2026-01-01&to=2026-03-31')
  t.equal(status, 200)
  t.same(body.months, [
    { month: '2026-01', asOf: '2026-01-31', mrr: '100.00', customers: 1, arpu: '100.00' },
    { month: '2026-02', asOf: '2026-02-28', mrr: '280.00', customers: 2, arpu: '140.00' },
    { month: '2026-03', asOf: '2026-03-31', mrr: '190.00', customers: 2, arpu: '95.00' },
  ])
  const p2only = await api(`/api/v1/reports/mrr?from=2026-03-01&to=2026-03-31&partnerId=${p2}`)
  t.same(p2only.body.months, [{ month: '2026-03', asOf: '2026-03-31', mrr: '0.00', customers: 0, arpu: '0.00' }])
})

t.test('tax per rate and month, credit notes negative', async (t) => {
  const { body } = await api(`/api/v1/reports/tax?from=2026-01-01&to=2026-03-31&partnerId=${p1}`)
  t.match(body.rows, [
    { month: '2026-01', rate: 'VAT 20', net: '100.00', tax: '20.00', gross: '120.00' },
    { month: '2026-02', rate: 'VAT 20', net: '-10.00', tax: '-2.00', gross: '-12.00' },
    { month: '2026-02', rate: 'No tax', net: '50.00', tax: '0.00', gross: '50.00' },
  ])
  t.equal(body.rows.length, 3)
  t.match(body.byRate, [
    { rate: 'VAT 20', net: '90.00', tax: '18.00', gross: '108.00' },
    { rate: 'No tax', net: '50.00', tax: '0.00', gross: '50.00' },
  ])
  t.same(body.total, { net: '140.00', tax: '18.00', gross: '158.00' })
})

t.test('receivables aging: buckets at 30/31, 60/61, 90/91 days', async (t) => {
  const { body } = await api(`/api/v1/reports/aging?asOf=2026-05-01&partnerId=${p2}`)
  const expected = { current: '1.00', d0_30: '2.00', d31_60: '7.00', d61_90: '11.00', d90_plus: '7.00', total: '28.00' }
  t.same(body.customers, [{ customerId: b.id, login: b.login, name: b.name, ...expected }])
  t.same(body.totals, expected)
  t.equal(body.count, 1)
  const all = await api('/api/v1/reports/aging?asOf=2026-05-20')
  t.equal(all.body.totals.total, '94.00', "B's 36 and A's 58 still open")
})

t.test('trial balance per customer reconciles with customerBalance', async (t) => {
  const { body } = await api('/api/v1/reports/trial-balance?from=2026-02-01&to=2026-02-28')
  const rowA = body.customers.find((r: { customerId: number }) => r.customerId === a.id)
  t.same(rowA, { customerId: a.id, login: a.login, name: a.name, opening: '-120.00', debits: '80.00', credits: '42.00', closing: '-158.00' })
  t.equal(rowA.opening, (await customerBalance(db, a.id, '2026-01-31')).toFixed(2))
  t.equal(rowA.closing, (await customerBalance(db, a.id, '2026-02-28')).toFixed(2))
  let closing = 0n
  for (const r of body.customers) {
    const cents = (s: string) => BigInt(s.replace('.', ''))
    t.equal(cents(r.opening) + cents(r.credits) - cents(r.debits), cents(r.closing), `customer ${r.customerId} reconciles`)
    t.equal(r.closing, (await customerBalance(db, r.customerId, '2026-02-28')).toFixed(2))
    closing += cents(r.closing)
  }
  const tot = body.totals
  t.equal(BigInt(tot.closing.replace('.', '')), closing, 'totals are the sum of the customers')
  t.equal(
    BigInt(tot.opening.replace('.', '')) + BigInt(tot.credits.replace('.', '')) - BigInt(tot.debits.replace('.', '')),
    closing,
    'opening + credits − debits = closing',
  )
  t.equal(body.count, 2, 'A and B have entries up to February')
})

t.test('top debtors', async (t) => {
  const { body } = await api('/api/v1/reports/debtors')
  t.match(body.debtors, [
    { customerId: a.id, debt: '58.00', overdue: '58.00' },
    { customerId: b.id, debt: '36.00' },
  ])
  const only = await api(`/api/v1/reports/debtors?partnerId=${p2}`)
  t.same(only.body.debtors.map((d: { customerId: number }) => d.customerId), [b.id])
})

t.test('API: permission and query schema', async (t) => {
  t.equal((await api('/api/v1/reports/revenue', otherKey)).status, 403)
  const bad = await api('/api/v1/reports/revenue?from=yesterday')
  t.equal(bad.status, 400)
  const backwards = await api('/api/v1/reports/tax?from=2026-03-01&to=2026-02-01')
  t.equal(backwards.status, 400)
  t.match(backwards.body, { fields: [{ field: 'to' }] })
})

t.test('pages: a chart and the table; CSV export', async (t) => {
  const session = await adminSession(app, { permissions: ['reports.view', 'finance.view'] })
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie: session.cookie, accept: 'text/html' } })
  const page = await get(`/admin/finance/reports/aging?asOf=2026-05-01&partnerId=${p2}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, /<svg[^>]*aria-label="Receivables by age on 2026-05-01"/)
  t.match(page.body, /31–60 days/)
  const csv = await get(`/admin/finance/reports/aging?asOf=2026-05-01&partnerId=${p2}&format=csv`)
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /text\/csv/)
  t.match(csv.headers['content-disposition'], /aging-2026-05-01\.csv/)
  t.same(csv.body.trim().split('\n'), [
    'ID,Login,Name,Not yet due,0–30 days,31–60 days,61–90 days,90+ days,Total',
    `${b.id},${b.login},${b.name},1.00,2.00,7.00,11.00,7.00,28.00`,
    ',,Total,1.00,2.00,7.00,11.00,7.00,28.00',
  ])
  for (const slug of ['revenue', 'mrr', 'tax', 'trial-balance', 'debtors']) {
    const res = await get(`/admin/finance/reports/${slug}?from=2026-01-01&to=2026-03-31`)
    t.equal(res.statusCode, 200, slug)
    t.match(res.body, /<svg/, `${slug} has its chart`)
  }
  const revenueCsv = await get(`/admin/finance/reports/revenue?from=2026-01-01&to=2026-03-31&partnerId=${p1}&format=csv`)
  t.same(revenueCsv.body.trim().split('\n'), ['Month,Invoiced,Credited,Revenue', '2026-01,100.00,0.00,100.00', '2026-02,50.00,10.00,40.00', 'Total,150.00,10.00,140.00'])
  const index = await get('/admin/finance/reports')
  t.equal(index.statusCode, 200)
  t.match(index.body, /\/admin\/finance\/reports\/trial-balance/)
})

t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
