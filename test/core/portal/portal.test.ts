import t from 'tap'
import { and, eq } from 'drizzle-orm'
import { auditLog } from '../../../core/audit/schema.ts'
import { customerContacts, customers } from '../../../core/customers/schema.ts'
import { portalSessions } from '../../../core/portal/schema.ts'
import { issueInvoice, loadIssueContext } from '../../../core/finance/invoices/issue.ts'
import { testApp } from '../../helpers/app.ts'
import { cookieHeader, csrfFrom, mergeCookies } from '../../helpers/auth.ts'
import { insertCustomer, insertPartner } from './fixtures.ts'

const html = { accept: 'text/html' }
const ctx = await testApp()
t.teardown(ctx.close)
const { app, clock } = ctx
const db = app.ctx.db

const partner = await insertPartner(db, 'Main')
const annId = await insertCustomer(db, {
  partnerId: partner,
  login: 'ann',
  name: 'Ann Archer',
  email: 'ann@example.net',
  phone: '+48 600 100 200',
  password: 'ann-secret-1',
})
const bobId = await insertCustomer(db, {
  partnerId: partner,
  login: 'bob',
  name: 'Bob Baker',
  email: 'bob@example.net',
  status: 'blocked',
  password: 'bob-secret-1',
})
await insertCustomer(db, { partnerId: partner, login: 'nopw', name: 'No Portal' })
const [bobContact] = await db
  .insert(customerContacts)
  .values({ customerId: bobId, name: 'Bob Accountant', email: 'acc@bob.example', role: 'Accounting' })
  .returning()

let address = 0
/** A browser: its own address (so the login rate limit is per test) and a cookie jar. */
function browser() {
  address += 1
  const remoteAddress = `192.0.2.${address}`
  let jar: Record<string, string> = {}
  const send = async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) => {
    const res = await app.inject({ method, url, remoteAddress, headers: { ...html, cookie: cookieHeader(jar) }, ...(payload ? { payload } : {}) })
    jar = mergeCookies(jar, res.headers['set-cookie'])
    return res
  }
  return {
    get: (url: string) => send('GET', url),
    post: (url: string, payload: Record<string, unknown>) => send('POST', url, payload),
    jar: () => jar,
    /** The CSRF token of a page this browser loads. */
    async token(url = '/portal/login') {
      return csrfFrom((await send('GET', url)).body)
    },
    async login(login: string, password: string, next?: string) {
      const _csrf = await this.token()
      return send('POST', '/portal/login', { login, password, _csrf, ...(next ? { next } : {}) })
    },
  }
}

t.test('portal pages need a signed-in customer', async (t) => {
  const b = browser()
  const home = await b.get('/portal')
  t.equal(home.statusCode, 303)
  t.equal(home.headers.location, '/portal/login')
  const deep = await b.get('/portal/profile')
  t.equal(deep.headers.location, '/portal/login?next=%2Fportal%2Fprofile', 'comes back to the page after login')
  const page = await b.get('/portal/login')
  t.equal(page.statusCode, 200)
  t.match(page.body, '<form method="post" action="/portal/login"')
  t.notMatch(page.body, 'portal-nav', 'no portal menu before login')
})

t.test('login, the home page with the own data, logout', async (t) => {
  const b = browser()
  const wrong = await b.login('ann', 'wrong-password')
  t.equal(wrong.statusCode, 401)
  t.match(wrong.body, 'Wrong login or password.')
  t.match(wrong.body, 'value="ann"', 'the login is kept')
  t.notOk(b.jar().uplink_portal, 'no session cookie')

  const none = await b.login('nopw', 'anything')
  t.equal(none.statusCode, 401, 'a customer without a portal password cannot sign in')

  const ok = await b.login('ann', 'ann-secret-1', '/portal/profile')
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, '/portal/profile', 'goes to the page asked for')
  t.ok(b.jar().uplink_portal, 'session cookie set')
  t.match(String(ok.headers['set-cookie']), /uplink_portal=[^;]+; Max-Age=\d+; Path=\/portal; HttpOnly; SameSite=Lax/)

  const home = await b.get('/portal')
  t.equal(home.statusCode, 200)
  t.match(home.body, 'Hello, Ann Archer')
  t.match(home.body, 'ann@example.net')
  t.match(home.body, '+48 600 100 200')
  t.match(home.body, '<span class="badge badge-active">Active</span>')
  t.match(home.body, 'No invoices yet.', 'the billing section says so when empty')
  t.notMatch(home.body, /TODO|placeholder/i)
  t.notMatch(home.body, 'Bob', 'nothing of another customer')
  t.match(home.body, /<a href="\/portal" class="active" aria-current="page">Overview<\/a>/)
  t.match(home.body, '<form method="post" action="/portal/logout"')

  t.equal((await b.get('/portal/login')).headers.location, '/portal', 'the login page sends a signed-in customer home')
  const offsite = await browser().login('ann', 'ann-secret-1', 'https://evil.example/portal')
  t.equal(offsite.headers.location, '/portal', 'never redirects off the portal')

  const [audit] = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'customer.portal_login'), eq(auditLog.actorId, annId)))
  t.match(audit?.ip, /^192\.0\.2\.\d+$/, 'the login is audited with the address')

  const _csrf = csrfFrom(home.body)
  const out = await b.post('/portal/logout', { _csrf })
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/portal/login')
  t.notOk(b.jar().uplink_portal, 'cookie cleared')
  const after = await b.get('/portal')
  t.equal(after.statusCode, 303, 'signed out')
})

t.test('the home page lists the own latest invoices and the balance', async (t) => {
  const context = await loadIssueContext(db)
  for (const [customerId, amount] of [[annId, '30.00'], [bobId, '99.00']] as const) {
    await db.transaction((tx) =>
      issueInvoice(tx, context, {
        customerId,
        issueDate: '2026-01-10',
        lines: [{ description: 'Internet', quantity: '1', unitPrice: amount, amount }],
      }),
    )
  }
  const b = browser()
  await b.login('ann', 'ann-secret-1')
  const home = await b.get('/portal')
  t.match(home.body, /href="\/portal\/invoices\/\d+"/)
  t.match(home.body, '30.00')
  t.match(home.body, '<strong class="mono">-$30.00</strong>', 'the balance: the customer owes the invoice')
  t.notMatch(home.body, '99.00', "nothing of another customer's invoices")
  t.match(home.body, '<a href="/portal/invoices">Invoices</a>', 'the menu links the invoices')
})

t.test('a stolen cookie is useless after logout and after idle time', async (t) => {
  const b = browser()
  await b.login('ann', 'ann-secret-1')
  const cookie = cookieHeader(b.jar())
  const page = await b.get('/portal')
  t.equal(page.statusCode, 200)
  await b.post('/portal/logout', { _csrf: csrfFrom(page.body) })
  const replay = await app.inject({ method: 'GET', url: '/portal', headers: { ...html, cookie } })
  t.equal(replay.statusCode, 303, 'the revoked session is refused')

  const c = browser()
  await c.login('ann', 'ann-secret-1')
  t.equal((await c.get('/portal')).statusCode, 200)
  clock.advance((app.ctx.config.SESSION_IDLE_MINUTES + 1) * 60_000)
  t.equal((await c.get('/portal')).statusCode, 303, 'idle too long: signed out')
  clock.advance(-(app.ctx.config.SESSION_IDLE_MINUTES + 1) * 60_000)

  const forged = await app.inject({ method: 'GET', url: '/portal', headers: { ...html, cookie: 'uplink_portal=abc' } })
  t.equal(forged.statusCode, 303, 'an unsigned cookie is refused')
})

t.test('a customer edits their e-mail and phone; errors are shown by the field', async (t) => {
  const b = browser()
  await b.login('ann', 'ann-secret-1')
  const page = await b.get('/portal/profile')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'value="ann@example.net"')
  const _csrf = csrfFrom(page.body)

  const bad = await b.post('/portal/profile', { _csrf, email: 'not an email', phone: '+48 600 100 200' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, '<div class="error" id="f-email-error">must be an e-mail address</div>')
  t.match(bad.body, 'value="not an email"', 'the typed value is kept')
  const [unchanged] = await db.select().from(customers).where(eq(customers.id, annId))
  t.equal(unchanged!.email, 'ann@example.net', 'nothing saved')

  const noCsrf = await b.post('/portal/profile', { email: 'x@example.net', phone: '' })
  t.equal(noCsrf.statusCode, 403, 'the form needs its CSRF token')

  const good = await b.post('/portal/profile', {
    _csrf,
    email: 'Ann.New@Example.net',
    phone: '+48 600 999 000',
    // A tampered form: other fields and another customer's id are ignored.
    name: 'Hacker',
    status: 'active',
    customerId: String(bobId),
  })
  t.equal(good.statusCode, 303)
  t.equal(good.headers.location, '/portal/profile')
  const [ann] = await db.select().from(customers).where(eq(customers.id, annId))
  t.equal(ann!.email, 'ann.new@example.net')
  t.equal(ann!.phone, '+48 600 999 000')
  t.equal(ann!.name, 'Ann Archer', 'the name is not editable here')
  const [bob] = await db.select().from(customers).where(eq(customers.id, bobId))
  t.equal(bob!.email, 'bob@example.net', 'the other customer is untouched')
  t.equal(bob!.status, 'blocked')

  const shown = await b.get('/portal/profile')
  t.match(shown.body, 'Your contact details were saved.', 'flash after the redirect')
  t.match(shown.body, 'value="ann.new@example.net"')
  const [audit] = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'customer.update'), eq(auditLog.entityId, String(annId))))
  t.equal(audit?.actorType, 'customer', 'the change is audited as the customer')
})

t.test("customer A cannot read or change B's records by changing an id", async (t) => {
  const b = browser()
  await b.login('ann', 'ann-secret-1')
  const read = await b.get(`/portal/contacts/${bobContact!.id}`)
  t.equal(read.statusCode, 404)
  t.notMatch(read.body, 'Bob Accountant')
  t.notMatch(read.body, 'acc@bob.example')

  const _csrf = await b.token('/portal/profile')
  const write = await b.post(`/portal/contacts/${bobContact!.id}`, { _csrf, name: 'Taken over', email: 'me@evil.example' })
  t.equal(write.statusCode, 404)
  const del = await b.post(`/portal/contacts/${bobContact!.id}/delete`, { _csrf })
  t.equal(del.statusCode, 404)
  const [still] = await db.select().from(customerContacts).where(eq(customerContacts.id, bobContact!.id))
  t.equal(still!.name, 'Bob Accountant', "B's contact is unchanged and still there")

  // Ann's own contact persons work the same way.
  const add = await b.post('/portal/contacts', { _csrf, name: 'Ann Tech', role: 'Technical', email: 'tech@ann.example', phone: '' })
  t.equal(add.statusCode, 303)
  const [mine] = await db.select().from(customerContacts).where(eq(customerContacts.customerId, annId))
  t.equal(mine!.name, 'Ann Tech')
  const edit = await b.get(`/portal/contacts/${mine!.id}`)
  t.equal(edit.statusCode, 200)
  t.match(edit.body, 'value="tech@ann.example"')
  const invalid = await b.post(`/portal/contacts/${mine!.id}`, { _csrf, name: '', email: 'tech@ann.example' })
  t.equal(invalid.statusCode, 400)
  t.match(invalid.body, '<div class="error" id="f-name-error">is required</div>')
  const removed = await b.post(`/portal/contacts/${mine!.id}/delete`, { _csrf })
  t.equal(removed.statusCode, 303)
  t.equal((await db.select().from(customerContacts).where(eq(customerContacts.customerId, annId))).length, 0)

  // Bob sees his own contact.
  const bobBrowser = browser()
  await bobBrowser.login('bob', 'bob-secret-1')
  const own = await bobBrowser.get(`/portal/contacts/${bobContact!.id}`)
  t.equal(own.statusCode, 200)
  t.match(own.body, 'Bob Accountant')
  const home = await bobBrowser.get('/portal')
  t.match(home.body, 'Your internet access is blocked', 'a blocked customer is told why')
  t.notMatch(home.body, 'Ann')
})

t.test('sign-in attempts are rate limited per address', async (t) => {
  const b = browser()
  const _csrf = await b.token()
  const statuses: number[] = []
  for (let i = 0; i < 11; i++) statuses.push((await b.post('/portal/login', { _csrf, login: 'ann', password: `guess-${i}` })).statusCode)
  t.same(statuses.slice(0, 10), Array(10).fill(401))
  t.equal(statuses[10], 429, 'the 11th attempt within a minute is refused')
  const blocked = await b.post('/portal/login', { _csrf, login: 'ann', password: 'ann-secret-1' })
  t.equal(blocked.statusCode, 429, 'even with the right password')
  t.match(blocked.body, 'Too many sign-in attempts')
  const other = browser()
  t.equal((await other.login('ann', 'ann-secret-1')).statusCode, 303, 'another address is not affected')
})

t.test('sessions are stored hashed and end when the customer loses portal access', async (t) => {
  const b = browser()
  await b.login('bob', 'bob-secret-1')
  const rows = await db.select().from(portalSessions).where(eq(portalSessions.customerId, bobId))
  const token = decodeURIComponent(b.jar().uplink_portal!).split('.')[0]!
  t.ok(rows.length > 0)
  t.notOk(rows.some((r) => r.id === token), 'the token itself is not stored')
  await db.update(customers).set({ portalPasswordHash: null }).where(eq(customers.id, bobId))
  t.equal((await b.get('/portal')).statusCode, 303, 'portal access removed: signed out')
})
