// The online sessions page over the real server: a WebSocket client on /admin/ws is told about a
// session as soon as its Accounting-Start arrives over UDP, about its interim and its Stop; the rows
// the page fetches then show it, filtered by the search, with a kick button that disconnects it.
import t from 'tap'
import { Code } from '../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../plugins/radius/protocol/dictionary.ts'
import { SESSIONS_TOPIC, type OnlineSummary } from '../../../plugins/radius/service/live-sessions.ts'
import { adminSession } from '../../helpers/auth.ts'
import { NAS_SECRET, radiusApp } from './helpers/app.ts'
import { accountingRequest } from './helpers/client.ts'
import { liveSocket } from './helpers/live-socket.ts'
import { startNasStandIn } from './helpers/nas-stand-in.ts'
import { exchange } from './helpers/udp.ts'

t.setTimeout(300_000)

const r = await radiusApp(t)
const sql = r.database.sql
const baseUrl = await r.app.listen({ port: 0, host: '127.0.0.1' })
const T0 = r.clock.now().getTime()

async function accounting(type: string, login: string, sessionId: string, extra: NamedAttribute[] = []) {
  const attributes: NamedAttribute[] = [
    { name: 'Acct-Status-Type', value: type },
    { name: 'Acct-Session-Id', value: sessionId },
    { name: 'User-Name', value: login },
    ...extra,
  ]
  const reply = await exchange(r.ports.acctPort, accountingRequest({ secret: NAS_SECRET, attributes }))
  if (!reply) throw new Error(`${type} for ${sessionId} not acknowledged`)
}

t.test('a session started over UDP is pushed to the page and shown with search and kick', async (t) => {
  const admin = await adminSession(r.app)
  const client = await liveSocket<OnlineSummary>(baseUrl, admin.cookie)
  t.teardown(client.close)
  client.subscribe(SESSIONS_TOPIC)
  const first = await client.next()
  t.equal(first.topic, SESSIONS_TOPIC)
  t.equal(first.data?.online, 0, 'nobody online yet')

  await r.subscriber('lena', 'lena-pass-1')
  await r.subscriber('marc', 'marc-pass-1')
  await accounting('Start', 'lena', 'l-1', [
    { name: 'Framed-IP-Address', value: '100.64.1.1' },
    { name: 'Event-Timestamp', value: new Date(T0) },
  ])
  const started = await client.until((d) => d.online === 1)
  t.not(started.version, first.data?.version, 'the version moved with the Accounting-Start')
  const [row] = await sql<
    { id: number }[]
  >`select id::int as id from radius_sessions where acct_session_id = 'l-1'`
  const page = await r.app.inject({
    method: 'GET',
    url: '/admin/radius/sessions',
    headers: { cookie: admin.cookie },
  })
  t.equal(page.statusCode, 200)
  t.match(page.body, `data-version="${started.version}"`, 'the page starts from the pushed version')
  t.match(page.body, '/admin/radius/sessions/live.js')

  await accounting('Start', 'marc', 'm-1', [{ name: 'Framed-IP-Address', value: '100.64.1.2' }])
  const two = await client.until((d) => d.online === 2)
  const rows = (q: string) =>
    r.app.inject({
      method: 'GET',
      url: `/admin/radius/sessions/rows?q=${q}`,
      headers: { cookie: admin.cookie },
    })
  const all = await rows('')
  t.match(all.body, /data-sessions-total="2"/)
  t.match(all.body, `data-session="${row!.id}"`)
  const lena = await rows('100.64.1.1')
  t.match(lena.body, /data-sessions-total="1"/, 'search by IP')
  t.match(lena.body, 'lena')
  t.notMatch(lena.body, 'marc')
  t.match(
    lena.body,
    `action="/admin/radius/sessions/${row!.id}/disconnect"`,
    'kick button in the fetched rows',
  )
  t.match(lena.body, 'name="_csrf"')

  await accounting('Interim-Update', 'lena', 'l-1', [{ name: 'Acct-Output-Octets', value: 5_000_000 }])
  const interim = await client.until((d) => d.version !== two.version)
  t.equal(interim.online, 2, 'an interim changes the version, not the count')
  t.match((await rows('lena')).body, /4\.8 MB/, 'the new counter is in the rows')

  // The kick button: a Disconnect-Request to the NAS, then the NAS's Stop takes the row off.
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  const patched = await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { coaPort: nas.port })
  t.equal(patched.statusCode, 200)
  const kicked = await r.app.inject({
    method: 'POST',
    url: `/admin/radius/sessions/${row!.id}/disconnect`,
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: admin.csrf, back: '/admin/radius/sessions' }).toString(),
  })
  t.equal(kicked.statusCode, 302)
  t.equal(nas.received[0]?.code, Code.DisconnectRequest)
  t.match(nas.received[0]?.attributes, { 'User-Name': 'lena', 'Acct-Session-Id': 'l-1' })
  const [coa] = await sql<
    { status: string }[]
  >`select status from radius_coa_requests where session_id = ${row!.id}`
  t.equal(coa?.status, 'ack')
  await accounting('Stop', 'lena', 'l-1', [{ name: 'Acct-Terminate-Cause', value: 'Admin-Reset' }])
  const stopped = await client.until((d) => d.online === 1)
  t.ok(stopped.version)
  const after = await rows('')
  t.notMatch(after.body, 'lena', 'the stopped session left the online rows')
  t.match(after.body, 'marc')
})

t.test('an admin limited to another partner sees none of these sessions', async (t) => {
  const [other] = await sql<{ id: number }[]>`insert into partners (name) values ('Other ISP') returning id`
  const limited = await adminSession(r.app, { partnerIds: [other!.id] })
  const client = await liveSocket<OnlineSummary>(baseUrl, limited.cookie)
  t.teardown(client.close)
  client.subscribe(SESSIONS_TOPIC)
  const first = await client.next()
  t.equal(first.data?.online, 0)
  const rows = await r.app.inject({
    method: 'GET',
    url: '/admin/radius/sessions/rows',
    headers: { cookie: limited.cookie },
  })
  t.match(rows.body, /data-sessions-total="0"/)
  const unauth = await r.app.inject({ method: 'GET', url: '/admin/radius/sessions/rows' })
  t.not(unauth.statusCode, 200, 'the rows need a signed-in admin')
})
