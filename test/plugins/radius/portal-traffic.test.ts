// The customer portal's Internet usage page: per internet service, the daily download/upload of the
// last 30 days from radius_usage_daily (filled by real accounting over UDP), with the right totals for
// the signed-in customer and nothing of anyone else; and the same chart on the panel's Sessions tab.
import t from 'tap'
import { createCustomer } from '../../../core/customers/service.ts'
import { systemActor } from '../../../core/partners/scope.ts'
import { createService } from '../../../core/services/service.ts'
import type { NamedAttribute } from '../../../plugins/radius/protocol/dictionary.ts'
import { adminSession, cookieHeader, csrfFrom, mergeCookies } from '../../helpers/auth.ts'
import { NAS_SECRET, radiusApp } from './helpers/app.ts'
import { accountingRequest } from './helpers/client.ts'
import { exchange } from './helpers/udp.ts'

t.setTimeout(300_000)

const r = await radiusApp(t)
const { app } = r
const sql = r.database.sql

async function customerWith(login: string, services: string[]) {
  const customer = await createCustomer(app.ctx.db, app.ctx, systemActor, {
    name: `Customer ${login}`,
    login,
    partnerId: r.partnerId,
    status: 'active',
    portalPassword: `${login}-portal-pw`,
  })
  const ids: number[] = []
  for (const s of services)
    ids.push(
      (
        await createService(app.ctx.db, app.ctx, systemActor, customer.id, {
          planId: r.plan.id,
          login: s,
          password: 'pw-123456',
        })
      ).id,
    )
  await r.runtime.whenFresh()
  return { customer, ids }
}

async function acct(type: string, login: string, sessionId: string, at: string, down = 0, up = 0) {
  const attributes: NamedAttribute[] = [
    { name: 'Acct-Status-Type', value: type },
    { name: 'Acct-Session-Id', value: sessionId },
    { name: 'User-Name', value: login },
    { name: 'Event-Timestamp', value: new Date(at) },
    { name: 'Acct-Output-Octets', value: down % 2 ** 32 },
    { name: 'Acct-Output-Gigawords', value: Math.floor(down / 2 ** 32) },
    { name: 'Acct-Input-Octets', value: up },
  ]
  if (!(await exchange(r.ports.acctPort, accountingRequest({ secret: NAS_SECRET, attributes }))))
    throw new Error(`${type} ${sessionId} not acknowledged`)
}

// Today is 2026-01-15 (the test clock): the window is 2025-12-17 to 2026-01-15.
const ann = await customerWith('ann', ['ann-net', 'ann-net2'])
const bob = await customerWith('bob', ['bob-net'])
await acct('Start', 'ann-net', 'a-1', '2026-01-10T08:00:00Z')
await acct('Interim-Update', 'ann-net', 'a-1', '2026-01-10T20:00:00Z', 1_000_000_000, 200_000_000)
await acct('Stop', 'ann-net', 'a-1', '2026-01-12T09:00:00Z', 1_500_000_000, 300_000_000)
await acct('Start', 'ann-net2', 'a-2', '2026-01-14T08:00:00Z')
await acct('Stop', 'ann-net2', 'a-2', '2026-01-14T09:00:00Z', 2_500_000, 1_000)
await acct('Start', 'bob-net', 'b-1', '2026-01-13T08:00:00Z')
await acct('Stop', 'bob-net', 'b-1', '2026-01-13T09:00:00Z', 7_777_777_777, 123_456_789)
// Older than 30 days: not on the page.
await sql`insert into radius_usage_daily (service_id, day, customer_id, input_octets, output_octets)
  values (${ann.ids[0]!}, '2025-12-01', ${ann.customer.id}, 9000000000, 9000000000)`

async function portal(login: string, password: string) {
  let jar: Record<string, string> = {}
  const remoteAddress = `198.51.100.${login.length + 20}`
  const login0 = await app.inject({ method: 'GET', url: '/portal/login', remoteAddress })
  jar = mergeCookies(jar, login0.headers['set-cookie'])
  const res = await app.inject({
    method: 'POST',
    url: '/portal/login',
    remoteAddress,
    headers: { accept: 'text/html', cookie: cookieHeader(jar) },
    payload: { login, password, _csrf: csrfFrom(login0.body) },
  })
  if (res.statusCode !== 303) throw new Error(`portal login failed: ${res.statusCode} ${res.body}`)
  jar = mergeCookies(jar, res.headers['set-cookie'])
  return (url: string) =>
    app.inject({
      method: 'GET',
      url,
      remoteAddress,
      headers: { accept: 'text/html', cookie: cookieHeader(jar) },
    })
}

/** The section of one service on a page: its totals and its chart. */
function section(html: string, serviceId: number) {
  const start = html.indexOf(`data-service="${serviceId}"`)
  if (start < 0) return null
  const end = html.indexOf('</section>', start)
  const part = html.slice(start, end)
  return {
    down: part.match(/data-download-bytes="(\d+)">([^<]*)</)?.slice(1),
    up: part.match(/data-upload-bytes="(\d+)">([^<]*)</)?.slice(1),
    bars: [
      ...part.matchAll(/<title>(\d{4}-\d\d-\d\d) (download|upload): [^(]*\((\d+) bytes\)<\/title>/g),
    ].map((m) => ({
      day: m[1],
      what: m[2],
      bytes: m[3],
    })),
    part,
  }
}

t.test('the portal shows each of the customer’s services with its own 30-day totals', async (t) => {
  const get = await portal('ann', 'ann-portal-pw')
  const page = await get('/portal/internet')
  t.equal(page.statusCode, 200)
  t.match(page.body, /<a href="\/portal\/internet" class="active" aria-current="page">Internet usage<\/a>/, 'the plugin adds its page to the portal menu')
  t.match(page.body, /Internet usage<\/a>\s*<a href="\/portal\/profile"/, 'before "My details"')
  const net = section(page.body, ann.ids[0]!)
  t.same(net?.down, ['1500000000', '1.50 GB'], 'download: the interim and the stop, not the day 45 days ago')
  t.same(net?.up, ['300000000', '300.00 MB'])
  t.equal(net?.bars.length, 60, 'a download and an upload bar for each of 30 days')
  t.same(net?.bars[0], { day: '2025-12-17', what: 'download', bytes: '0' })
  t.same(
    net?.bars.filter((b) => b.bytes !== '0'),
    [
      { day: '2026-01-10', what: 'download', bytes: '1000000000' },
      { day: '2026-01-10', what: 'upload', bytes: '200000000' },
      { day: '2026-01-12', what: 'download', bytes: '500000000' },
      { day: '2026-01-12', what: 'upload', bytes: '100000000' },
    ],
    'traffic on the day of each record',
  )
  t.match(net?.part, /<svg [^>]*role="img"/)
  const net2 = section(page.body, ann.ids[1]!)
  t.same(net2?.down, ['2500000', '2.50 MB'])
  t.same(net2?.up, ['1000', '1.00 kB'])
  t.equal(section(page.body, bob.ids[0]!), null, "no section for Bob's service")
  t.notMatch(page.body, 'bob-net')
  t.notMatch(page.body, '7777777777')

  const bobPage = await (await portal('bob', 'bob-portal-pw'))('/portal/internet')
  t.same(section(bobPage.body, bob.ids[0]!)?.down, ['7777777777', '7.78 GB'], 'gigawords folded in')
  t.same(section(bobPage.body, bob.ids[0]!)?.up, ['123456789', '123.46 MB'])
  t.notMatch(bobPage.body, 'ann-net')
})

t.test('the page needs a signed-in customer', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/portal/internet', headers: { accept: 'text/html' } })
  t.equal(res.statusCode, 303)
  t.match(res.headers.location, /^\/portal\/login/)
})

t.test('the panel shows the same chart on the customer’s Sessions tab', async (t) => {
  const admin = await adminSession(app)
  const tab = await app.inject({
    method: 'GET',
    url: `/admin/radius/customers/${ann.customer.id}/sessions`,
    headers: { cookie: admin.cookie },
  })
  t.equal(tab.statusCode, 200)
  t.same(section(tab.body, ann.ids[0]!)?.down, ['1500000000', '1.50 GB'])
  t.same(section(tab.body, ann.ids[1]!)?.up, ['1000', '1.00 kB'])
  t.equal(section(tab.body, bob.ids[0]!), null)
})
