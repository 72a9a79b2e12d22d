// Data caps and fair usage over real UDP: accounting interims cross the cap, the cap job sends the NAS
// stand-in a CoA with the reduced rate (or a Disconnect for block), the next Access-Accept agrees, a
// top-up lifts it and makes one pending charge, a new period restores, a speed window switches rates.
import t from 'tap'
import { createPlan } from '../../../core/plans/service.ts'
import { systemActor } from '../../../core/partners/scope.ts'
import { checkCaps, retryUnanswered } from '../../../plugins/radius/caps/check.ts'
import { applySpeedWindows } from '../../../plugins/radius/caps/speed-windows.ts'
import { Code } from '../../../plugins/radius/protocol/codes.ts'
import { type NamedAttribute, namedAttributes } from '../../../plugins/radius/protocol/dictionary.ts'
import { decodePacket } from '../../../plugins/radius/protocol/packet.ts'
import { accessRequest, accountingRequest } from './helpers/client.ts'
import { NAS_SECRET, radiusApp } from './helpers/app.ts'
import { startNasStandIn } from './helpers/nas-stand-in.ts'
import { exchange } from './helpers/udp.ts'

const MiB = 1024 * 1024
const NORMAL = '25600k/102400k 0/0 0/0 0/0 8'
const r = await radiusApp(t)
const sql = r.database.sql
const ctx = r.app.host.contextFor(r.plugin)
const radius = r.plugin.state

const nasAt = async (port: number) => {
  const res = await r.call('PATCH', `/api/v1/radius/nas/${r.nas.id}`, { coaPort: port, type: 'mikrotik' })
  if (res.statusCode !== 200) throw new Error(res.body)
}

async function acct(status: string, login: string, sessionId: string, down = 0, up = 0): Promise<void> {
  const attributes: NamedAttribute[] = [
    { name: 'Acct-Status-Type', value: status },
    { name: 'Acct-Session-Id', value: sessionId },
    { name: 'User-Name', value: login },
    { name: 'Framed-IP-Address', value: '100.64.1.1' },
    { name: 'Acct-Input-Octets', value: up },
    { name: 'Acct-Output-Octets', value: down },
    { name: 'Event-Timestamp', value: r.clock.now() },
  ]
  const reply = await exchange(r.ports.acctPort, accountingRequest({ secret: NAS_SECRET, attributes }))
  if (!reply) throw new Error('accounting not acknowledged')
}

async function login(user: string, password: string): Promise<Record<string, unknown>> {
  const request = accessRequest({ userName: user, secret: NAS_SECRET, auth: { method: 'pap', password } })
  const reply = await exchange(r.ports.authPort, request)
  const decoded = decodePacket(reply!)
  if (!decoded.ok) throw new Error(decoded.reason)
  if (decoded.packet.code !== Code.AccessAccept) throw new Error(`code ${decoded.packet.code}`)
  return namedAttributes(decoded.packet)
}

const rateOf = (named: Record<string, unknown>) =>
  (named['Vendor-Specific'] as Record<string, unknown> | undefined)?.['Mikrotik-Rate-Limit']

const plan = (name: string, extra: Record<string, unknown>) =>
  createPlan(r.app.ctx.db, r.app.ctx, systemActor, {
    type: 'internet',
    name,
    price: '100',
    downloadKbps: 102400,
    uploadKbps: 25600,
    priority: 8,
    ...extra,
  })

t.test(
  'reduce: the cap crossed by interims sends a CoA with the reduced rate; a top-up lifts it',
  async (t) => {
    const nas = await startNasStandIn({ secret: NAS_SECRET })
    t.teardown(nas.close)
    await nasAt(nas.port)
    const capped = await plan('Capped 10', {
      capMb: 10,
      capAction: 'reduce',
      capReducePercent: 50,
      topUps: [{ name: '1 GB', mb: 1024, price: '5.0000' }],
    })
    const { service } = await r.subscriber('cap-ann', 'ann-pass-1', { planId: capped.id })
    t.equal(rateOf(await login('cap-ann', 'ann-pass-1')), NORMAL, 'the plan rate before the cap')
    await acct('Start', 'cap-ann', 'ca-1')
    await acct('Interim-Update', 'cap-ann', 'ca-1', 6 * MiB, 1 * MiB)

    let result = await checkCaps(ctx, radius)
    t.same(result.transitions, [], 'under the cap: nothing')
    t.equal(nas.received.length, 0)

    await acct('Interim-Update', 'cap-ann', 'ca-1', 9 * MiB, 2 * MiB)
    result = await checkCaps(ctx, radius)
    t.match(result.transitions, [
      { serviceId: service.id, kind: 'capped', action: 'reduce', periodStart: '2026-01-01' },
    ])
    t.equal(result.transitions[0]?.usedBytes, BigInt(11 * MiB))
    t.equal(nas.received.length, 1)
    t.equal(nas.received[0]?.code, Code.CoaRequest)
    t.match(nas.received[0]?.attributes, {
      'User-Name': 'cap-ann',
      'Acct-Session-Id': 'ca-1',
      'Vendor-Specific': { 'Mikrotik-Rate-Limit': '12800k/51200k' },
    })
    const coa = await sql<{ kind: string; status: string; cause: string }[]>`
    select kind, status, cause from radius_coa_requests r join radius_sessions s on s.id = r.session_id
    where s.acct_session_id = 'ca-1' order by r.id`
    t.match(coa, [{ kind: 'coa', status: 'ack', cause: 'service.cap_reached' }])
    const events = await sql<{ payload: Record<string, unknown> }[]>`
    select payload from outbox_events where type = 'service.cap_reached' and (payload->>'serviceId')::int = ${service.id}`
    t.equal(events.length, 1)
    t.match(events[0]?.payload, {
      action: 'reduce',
      capMb: 10,
      periodStart: '2026-01-01',
      usedBytes: String(11 * MiB),
    })

    t.equal(
      rateOf(await login('cap-ann', 'ann-pass-1')),
      '12800k/51200k',
      'the next accept carries the reduced rate',
    )

    result = await checkCaps(ctx, radius)
    t.same(result.transitions, [], 'checked again: nothing new')
    t.equal(nas.received.length, 1, 'no second CoA')
    t.same(await retryUnanswered(ctx, radius), [], 'nothing left to retry')

    const bought = await r.call('POST', `/api/v1/radius/services/${service.id}/top-ups`, { option: 0 })
    t.equal(bought.statusCode, 200, bought.body)
    t.match(bought.json(), {
      serviceId: service.id,
      periodStart: '2026-01-01',
      topUpMb: 1024,
      topUpCount: 1,
      sourceKey: `topup:${service.id}:2026-01-01:1`,
      capped: false,
      coa: [{ kind: 'coa', status: 'ack' }],
    })
    t.equal(nas.received.length, 2)
    t.match(nas.received[1]?.attributes, { 'Vendor-Specific': { 'Mikrotik-Rate-Limit': NORMAL } })
    t.equal(rateOf(await login('cap-ann', 'ann-pass-1')), NORMAL, 'the normal rate again')
    await checkCaps(ctx, radius)
    const charges = await sql<{ unitPrice: string; sourceKey: string; serviceId: number }[]>`
    select unit_price::text as "unitPrice", source_key as "sourceKey", service_id as "serviceId"
    from pending_charges where service_id = ${service.id}`
    t.equal(charges.length, 1, 'one pending charge')
    t.equal(Number(charges[0]?.unitPrice), 5)
    const [audit] = await sql<{ action: string }[]>`
    select action from audit_log where entity = 'service' and entity_id = ${String(service.id)} and action = 'radius.topup.buy'`
    t.equal(audit?.action, 'radius.topup.buy')

    const bad = await r.call('POST', `/api/v1/radius/services/${service.id}/top-ups`, { option: 3 })
    t.equal(bad.statusCode, 400, 'no such top-up')
    const uncapped = await r.subscriber('cap-none', 'none-pass-1')
    const refused = await r.call('POST', `/api/v1/radius/services/${uncapped.service.id}/top-ups`, {
      option: 0,
    })
    t.equal(refused.statusCode, 409, refused.body)
  },
)

t.test('block: the restricted list for reason 2, and a new period restores', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const blocking = await plan('Capped block', { capMb: 5, capAction: 'block', capDirection: 'download' })
  const { service } = await r.subscriber('cap-bob', 'bob-pass-1', { planId: blocking.id })
  await acct('Start', 'cap-bob', 'cb-1')
  await acct('Interim-Update', 'cap-bob', 'cb-1', 4 * MiB, 50 * MiB)
  t.same((await checkCaps(ctx, radius, [service.id])).transitions, [], 'upload does not count')
  await acct('Interim-Update', 'cap-bob', 'cb-1', 6 * MiB, 50 * MiB)
  const result = await checkCaps(ctx, radius, [service.id])
  t.match(result.transitions, [{ kind: 'capped', action: 'block' }])
  t.equal(nas.received.at(-1)?.code, Code.DisconnectRequest, 'disconnected to re-authenticate')
  const named = await login('cap-bob', 'bob-pass-1')
  t.equal(
    named['Vendor-Specific'] &&
      (named['Vendor-Specific'] as Record<string, unknown>)['Mikrotik-Address-List'],
    'uplink-negative-balance',
  )
  await r.runtime.flush()
  const [log] = await sql<{ reason: string }[]>`
    select reason from radius_auth_log where user_name = 'cap-bob' order by id desc limit 1`
  t.equal(log?.reason, 'negative-balance')

  await acct('Stop', 'cap-bob', 'cb-1', 6 * MiB, 50 * MiB)
  await acct('Start', 'cap-bob', 'cb-2')
  r.clock.advanceDays(20) // 4 February: the February period
  const next = await checkCaps(ctx, radius, [service.id])
  t.match(next.transitions, [{ kind: 'lifted', action: 'block', periodStart: '2026-02-01' }])
  t.equal(nas.received.at(-1)?.code, Code.DisconnectRequest)
  t.match(nas.received.at(-1)?.attributes, { 'Acct-Session-Id': 'cb-2' })
  t.equal(rateOf(await login('cap-bob', 'bob-pass-1')), NORMAL, 'a normal session again')
  const [state] = await sql<{ periodStart: string; capped: boolean }[]>`
    select period_start::text as "periodStart", capped_at is not null as capped from radius_cap_state where service_id = ${service.id}`
  t.same(state, { periodStart: '2026-02-01', capped: false })
  r.clock.advanceDays(-20)
})

t.test('fair usage: a speed window switches online sessions and accepts, then back', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      hour12: false,
      timeZone: r.app.ctx.config.TIME_ZONE,
    }).format(r.clock.now()),
  )
  const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`
  const windowed = await plan('Night turbo', {
    fairUsage: [
      {
        name: 'turbo',
        weekdays: [1, 2, 3, 4, 5, 6, 7],
        from: hh(hour),
        to: hh(hour + 2),
        kind: 'speed',
        downloadKbps: 204800,
        uploadKbps: 51200,
      },
    ],
  })
  await r.subscriber('fup-cy', 'cy-pass-1', { planId: windowed.id })
  await acct('Start', 'fup-cy', 'fc-1')
  const opened = await applySpeedWindows(ctx, radius)
  t.match(opened.switched, [{ planId: windowed.id, rule: 'turbo', rateLimit: '51200k/204800k' }])
  t.match(nas.received.at(-1)?.attributes, {
    'Acct-Session-Id': 'fc-1',
    'Vendor-Specific': { 'Mikrotik-Rate-Limit': '51200k/204800k' },
  })
  t.equal(rateOf(await login('fup-cy', 'cy-pass-1')), '51200k/204800k', 'an accept inside the window')
  t.same((await applySpeedWindows(ctx, radius)).switched, [], 'no change, nothing sent')
  const sent = nas.received.length

  r.clock.advance(3 * 3600_000)
  const closed = await applySpeedWindows(ctx, radius)
  t.match(closed.switched, [{ planId: windowed.id, rule: '', rateLimit: NORMAL }])
  t.equal(nas.received.length, sent + 1)
  t.match(nas.received.at(-1)?.attributes, { 'Vendor-Specific': { 'Mikrotik-Rate-Limit': NORMAL } })
  t.equal(rateOf(await login('fup-cy', 'cy-pass-1')), NORMAL, 'outside the window')
  r.clock.advance(-3 * 3600_000)
})

t.test('fixed speed, and the top-up button on the customer sessions tab', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const fixed = await plan('Capped fixed', {
    capMb: 1,
    capAction: 'fixed_speed',
    capDownloadKbps: 2048,
    capUploadKbps: 1024,
    topUps: [{ name: 'Small', mb: 100, price: '1.5000' }],
  })
  const { customer, service } = await r.subscriber('cap-dee', 'dee-pass-1', { planId: fixed.id })
  await acct('Start', 'cap-dee', 'cd-1')
  await acct('Interim-Update', 'cap-dee', 'cd-1', 2 * MiB, 0)
  await checkCaps(ctx, radius)
  t.match(nas.received.at(-1)?.attributes, { 'Vendor-Specific': { 'Mikrotik-Rate-Limit': '1024k/2048k' } })
  t.equal(rateOf(await login('cap-dee', 'dee-pass-1')), '1024k/2048k')

  const { adminSession } = await import('../../helpers/auth.ts')
  const admin = await adminSession(r.app)
  const back = `/admin/radius/customers/${customer.id}/sessions`
  const page = await r.app.inject({ method: 'GET', url: back, headers: { cookie: admin.cookie } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Data cap/)
  t.match(page.body, /cap reached/)
  t.match(page.body, new RegExp(`/admin/radius/services/${service.id}/top-ups`))
  const res = await r.app.inject({
    method: 'POST',
    url: `/admin/radius/services/${service.id}/top-ups`,
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: admin.csrf, option: '0', back }).toString(),
  })
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, back)
  t.match(nas.received.at(-1)?.attributes, { 'Vendor-Specific': { 'Mikrotik-Rate-Limit': NORMAL } })
  const charges = await sql<{ sourceKey: string; createdBy: number | null }[]>`
    select source_key as "sourceKey", created_by as "createdBy" from pending_charges where service_id = ${service.id}`
  t.same(
    charges.map((c) => c.sourceKey),
    [`topup:${service.id}:2026-01-01:1`],
  )
  t.ok(charges[0]?.createdBy, 'charged by the admin who clicked')
  const after = await r.app.inject({ method: 'GET', url: back, headers: { cookie: admin.cookie } })
  t.match(after.body, /under the cap/)
})

t.test('fair usage: traffic arriving in a free window does not count against the cap', async (t) => {
  const nas = await startNasStandIn({ secret: NAS_SECRET })
  t.teardown(nas.close)
  await nasAt(nas.port)
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      hour12: false,
      timeZone: r.app.ctx.config.TIME_ZONE,
    }).format(r.clock.now()),
  )
  const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`
  const night = await plan('Free nights', {
    capMb: 10,
    capAction: 'reduce',
    capReducePercent: 50,
    fairUsage: [
      { name: 'free', weekdays: [1, 2, 3, 4, 5, 6, 7], from: hh(hour), to: hh(hour + 2), kind: 'free' },
    ],
  })
  const { service } = await r.subscriber('fup-eve', 'eve-pass-1', { planId: night.id })
  await acct('Start', 'fup-eve', 'fe-1')
  await acct('Interim-Update', 'fup-eve', 'fe-1', 20 * MiB, 0)
  t.same((await checkCaps(ctx, radius, [service.id])).transitions, [], '20 MB inside the free window')
  const [day] = await sql<{ total: string; free: string }[]>`
    select output_octets::text as total, free_output_octets::text as free from radius_usage_daily where service_id = ${service.id}`
  t.same(day, { total: String(20 * MiB), free: String(20 * MiB) })

  r.clock.advance(3 * 3600_000)
  await acct('Interim-Update', 'fup-eve', 'fe-1', 26 * MiB, 0)
  t.same((await checkCaps(ctx, radius, [service.id])).transitions, [], '6 MB counted')
  await acct('Interim-Update', 'fup-eve', 'fe-1', 31 * MiB, 0)
  t.match((await checkCaps(ctx, radius, [service.id])).transitions, [
    { kind: 'capped', usedBytes: BigInt(11 * MiB) },
  ])
  r.clock.advance(-3 * 3600_000)
})
