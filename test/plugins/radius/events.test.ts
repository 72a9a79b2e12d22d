// CoA and Disconnect-Request to a stand-in NAS, driven by real domain events through the dispatcher and
// by the panel's kick button; each answer recorded once.
import t from 'tap'
import { Code } from '../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../plugins/radius/protocol/dictionary.ts'
import { accountingRequest } from './helpers/client.ts'
import { NAS_SECRET, radiusApp } from './helpers/app.ts'
import { startNasStandIn } from './helpers/nas-stand-in.ts'
import { exchange } from './helpers/udp.ts'
import { createPlan } from '../../../core/plans/service.ts'
import { systemActor } from '../../../core/partners/scope.ts'

const r = await radiusApp(t)
const sql = r.database.sql
const T0 = r.clock.now().getTime()

const nasAt = async (port: number, type = 'mikrotik') => {
  const res = await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { coaPort: port, type })
  if (res.statusCode !== 200) throw new Error(res.body)
}

async function online(login: string, sessionId: string, ip: string): Promise<number> {
  const attributes: NamedAttribute[] = [
    { name: 'Acct-Status-Type', value: 'Start' },
    { name: 'Acct-Session-Id', value: sessionId },
    { name: 'User-Name', value: login },
    { name: 'Framed-IP-Address', value: ip },
    { name: 'Event-Timestamp', value: new Date(T0) },
  ]
  const reply = await exchange(r.ports.acctPort, accountingRequest({ secret: NAS_SECRET, attributes }))
  if (!reply) throw new Error('accounting not acknowledged')
  const [row] = await sql<
    { id: number }[]
  >`select id::int as id from radius_sessions where acct_session_id = ${sessionId}`
  return row!.id
}

const requests = (sessionId: number) =>
  sql<{ kind: string; status: string; cause: string; attempts: number; errorCause: number | null }[]>`
    select kind, status, cause, attempts, error_cause as "errorCause" from radius_coa_requests
    where session_id = ${sessionId} order by id`

t.test('blocking a customer disconnects their sessions, once, and the answer is recorded', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const { customer } = await r.subscriber('erin', 'erin-pass-1')
  const session = await online('erin', 'e-1', '100.64.0.20')
  const blocked = await r.call('POST', `/api/v1/customers/${customer.id}/status`, { status: 'blocked' })
  t.equal(blocked.statusCode, 200, blocked.body)
  const drained = await r.app.dispatcher.drain()
  t.equal(drained.failed, 0)
  t.equal(nas.received.length, 1)
  const sent = nas.received[0]!
  t.equal(sent.code, Code.DisconnectRequest)
  t.ok(sent.authenticatorValid, 'signed with the NAS secret')
  t.equal(sent.messageAuthenticator, 'valid')
  t.match(sent.attributes, {
    'User-Name': 'erin',
    'Acct-Session-Id': 'e-1',
    'Framed-IP-Address': '100.64.0.20',
  })
  t.match(await requests(session), [
    { kind: 'disconnect', status: 'ack', cause: 'customer.status_changed', attempts: 1 },
  ])

  // At-least-once delivery: the same event handled again sends nothing new.
  const [event] = await sql<{ id: string; type: string; payload: Record<string, unknown> }[]>`
    select id::text, type, payload from outbox_events where type = 'customer.status_changed' order by id desc limit 1`
  const ctx = r.app.host.contextFor(r.plugin)
  await r.plugin.on!['customer.status_changed']!(
    { id: BigInt(event!.id), type: event!.type, payload: event!.payload, createdAt: new Date() },
    ctx,
  )
  t.equal(nas.received.length, 1, 'no second Disconnect')
  t.equal((await requests(session)).length, 1)
})

t.test('a plan change sends the new rate limit by CoA to a MikroTik, a Disconnect to others', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const faster = await createPlan(r.app.ctx.db, r.app.ctx, systemActor, {
    type: 'internet',
    name: 'Fiber 300',
    price: '300',
    downloadKbps: 307200,
    uploadKbps: 51200,
    priority: 4,
  })
  const { service } = await r.subscriber('frank', 'frank-pass-1')
  const session = await online('frank', 'f-1', '100.64.0.21')
  const changed = await r.call('PATCH', `/api/v1/services/${service.id}`, { planId: faster.id })
  t.equal(changed.statusCode, 200, changed.body)
  await r.app.dispatcher.drain()
  const coa = nas.received.find((p) => p.code === Code.CoaRequest)
  t.ok(coa, 'a CoA-Request')
  t.match(coa?.attributes, {
    'User-Name': 'frank',
    'Acct-Session-Id': 'f-1',
    'Vendor-Specific': { 'Mikrotik-Rate-Limit': '51200k/307200k 0/0 0/0 0/0 4' },
  })
  t.match(await requests(session), [{ kind: 'coa', status: 'ack', cause: 'service.plan_changed' }])

  await nasAt(nas.port, 'cisco')
  const { service: other } = await r.subscriber('gina', 'gina-pass-1')
  await online('gina', 'g-1', '100.64.0.22')
  await r.call('PATCH', `/api/v1/services/${other.id}`, { planId: faster.id })
  await r.app.dispatcher.drain()
  const last = nas.received.at(-1)
  t.equal(last?.code, Code.DisconnectRequest, 'not a MikroTik: disconnected to re-authenticate')
  t.match(last?.attributes, { 'User-Name': 'gina' })
})

t.test('kick from the API: Disconnect to the NAS, NAK recorded with its Error-Cause, audited', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET, nakWith: 503 })
  t.teardown(nas.close)
  await nasAt(nas.port)
  await r.subscriber('hugo', 'hugo-pass-1')
  const session = await online('hugo', 'h-1', '100.64.0.23')
  const kicked = await r.call('POST', `/api/v1/radius/sessions/${session}/disconnect`)
  t.equal(kicked.statusCode, 200, kicked.body)
  t.match(kicked.json(), { sessionId: session, kind: 'disconnect', status: 'nak', errorCause: 503 })
  t.equal(nas.received[0]?.code, Code.DisconnectRequest)
  t.match(await requests(session), [{ kind: 'disconnect', status: 'nak', cause: 'manual', errorCause: 503 }])
  const [audit] = await sql<{ action: string }[]>`
    select action from audit_log where entity = 'radius_session' and entity_id = ${String(session)}`
  t.equal(audit?.action, 'radius.session.disconnect')
  const gone = await r.call('POST', '/api/v1/radius/sessions/999999/disconnect')
  t.equal(gone.statusCode, 404)
})

t.test('kick from the panel page', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  await r.subscriber('ivy', 'ivy-pass-1')
  const session = await online('ivy', 'i-1', '100.64.0.24')
  const { adminSession } = await import('../../helpers/auth.ts')
  const admin = await adminSession(r.app)
  const page = await r.app.inject({
    method: 'GET',
    url: '/admin/radius/sessions?q=ivy',
    headers: { cookie: admin.cookie },
  })
  t.match(page.body, /ivy/)
  t.match(page.body, new RegExp(`/admin/radius/sessions/${session}/disconnect`))
  const res = await r.app.inject({
    method: 'POST',
    url: `/admin/radius/sessions/${session}/disconnect`,
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: admin.csrf, back: '/admin/radius/sessions' }).toString(),
  })
  t.equal(res.statusCode, 302)
  t.equal(nas.received[0]?.code, Code.DisconnectRequest)
  t.match(nas.received[0]?.attributes, { 'User-Name': 'ivy', 'Acct-Session-Id': 'i-1' })
  const customerTab = await r.app.inject({
    method: 'GET',
    url: `/admin/radius/customers/${(await sql<{ id: number }[]>`select customer_id as id from radius_sessions where id = ${session}`)[0]!.id}/sessions`,
    headers: { cookie: admin.cookie },
  })
  t.equal(customerTab.statusCode, 200)
  t.match(customerTab.body, /i-1|100\.64\.0\.24/)
})
