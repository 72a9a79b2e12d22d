import t from 'tap'
import { testApp } from '../../../helpers/app.ts'
import { cookieHeader, csrfFrom, mergeCookies } from '../../../helpers/auth.ts'
import { insertCustomer, insertPartner } from '../../portal/fixtures.ts'
import { recordPayment } from '../../../../core/finance/payments/record.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { invoiceFor, person } from './fixtures.ts'

// The machine running the suite is shared and slow on the embedded database.
t.setTimeout(600_000)

const ctx = await testApp()
t.teardown(ctx.close)
const { app, clock } = ctx
const db = app.ctx.db
const deps = { clock, emit: emitEvent }

const partner = await insertPartner(db, 'Main')
const annId = await insertCustomer(db, { partnerId: partner, login: 'ann', name: 'Ann Archer', password: 'ann-secret-1' })
const bobId = await insertCustomer(db, { partnerId: partner, login: 'bob', name: 'Bob Baker', password: 'bob-secret-1' })
const annInvoice = await invoiceFor(db, annId, '30.00', '2026-01-02')
const bobInvoice = await invoiceFor(db, bobId, '77.00', '2026-01-03')
const annPay = await recordPayment(db, deps, person, { customerId: annId, method: 'cash', amount: '30.00' })
const bobPay = await recordPayment(db, deps, person, { customerId: bobId, method: 'cash', amount: '7.00' })

async function signIn(login: string, password: string) {
  let jar: Record<string, string> = {}
  const remoteAddress = `198.51.100.${login.length + 10}`
  const send = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, remoteAddress, headers: { accept: 'text/html', cookie: cookieHeader(jar) } })
    jar = mergeCookies(jar, res.headers['set-cookie'])
    return res
  }
  const page = await send('/portal/login')
  jar = mergeCookies(jar, page.headers['set-cookie'])
  const res = await app.inject({
    method: 'POST',
    url: '/portal/login',
    remoteAddress,
    headers: { accept: 'text/html', cookie: cookieHeader(jar) },
    payload: { login, password, _csrf: csrfFrom(page.body) },
  })
  if (res.statusCode !== 303) throw new Error(`portal login failed: ${res.statusCode}`)
  jar = mergeCookies(jar, res.headers['set-cookie'])
  return send
}

t.test('the portal shows the customer their own invoices, payments and statement, and nothing of others', async (t) => {
  const ann = await signIn('ann', 'ann-secret-1')
  const list = await ann('/portal/invoices')
  t.equal(list.statusCode, 200)
  t.match(list.body, annInvoice.number)
  t.notMatch(list.body, bobInvoice.number)
  const own = await ann(`/portal/invoices/${annInvoice.id}`)
  t.equal(own.statusCode, 200)
  t.match(own.body, annInvoice.number)
  const other = await ann(`/portal/invoices/${bobInvoice.id}`)
  t.equal(other.statusCode, 404, "another customer's invoice does not exist for Ann")
  t.notMatch(other.body, bobInvoice.number)
  const pays = await ann('/portal/payments')
  t.match(pays.body, annPay.payment.receiptNumber!)
  t.notMatch(pays.body, bobPay.payment.receiptNumber!)
  t.equal((await ann(`/portal/payments/${annPay.payment.id}/receipt`)).statusCode, 200)
  t.equal((await ann(`/portal/payments/${bobPay.payment.id}/receipt`)).statusCode, 404)
  const statement = await ann('/portal/statement?from=2026-01-01&to=2026-12-31')
  t.equal(statement.statusCode, 200)
  t.match(statement.body, `Invoice ${annInvoice.number}`)
  t.notMatch(statement.body, bobInvoice.number)
  const pdf = await ann(`/portal/invoices/${annInvoice.id}/pdf`)
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
  t.equal((await ann(`/portal/invoices/${bobInvoice.id}/pdf`)).statusCode, 404, "no PDF of another customer's invoice")
  const statementPdf = await ann('/portal/statement/pdf?from=2026-01-01&to=2026-12-31')
  t.equal(statementPdf.headers['content-type'], 'application/pdf')
  const csv = await ann('/portal/statement?from=2026-01-01&to=2026-12-31&format=csv')
  t.match(csv.body, /Closing balance,0\.00,0\.00|Closing balance,30\.00,30\.00,0\.00/)
})

t.test('portal billing pages need a signed-in customer', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/portal/invoices', headers: { accept: 'text/html' } })
  t.equal(res.statusCode, 303)
})
