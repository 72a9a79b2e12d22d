// Access-Requests over real UDP to the started plugin, answered from real service rows.
import { createSocket } from 'node:dgram'
import t from 'tap'
import {
  checkMessageAuthenticator,
  verifyResponseAuthenticator,
} from '../../../../plugins/radius/protocol/authenticators.ts'
import { Code, MsAttr, Vendor } from '../../../../plugins/radius/protocol/codes.ts'
import { namedAttributes } from '../../../../plugins/radius/protocol/dictionary.ts'
import { encodeMsChapV2Response } from '../../../../plugins/radius/protocol/mschap.ts'
import {
  decodePacket,
  findVendorAttribute,
  type RadiusPacket,
} from '../../../../plugins/radius/protocol/packet.ts'
import { type AccessRequestInput, accessRequest } from '../helpers/client.ts'
import { NAS_SECRET, radiusApp } from '../helpers/app.ts'
import { exchange } from '../helpers/udp.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const secret = Buffer.from(NAS_SECRET)

const r = await radiusApp(t)
const port = r.ports.authPort

async function ask(
  input: Omit<AccessRequestInput, 'secret'>,
): Promise<{ packet: RadiusPacket; attrs: Record<string, unknown> }> {
  const request = accessRequest({ secret: NAS_SECRET, ...input })
  const reply = await exchange(port, request)
  if (!reply) throw new Error('no reply')
  const decoded = decodePacket(reply)
  if (!decoded.ok) throw new Error(decoded.reason)
  const auth = request.subarray(4, 20)
  if (!verifyResponseAuthenticator(decoded.packet.raw, auth, secret))
    throw new Error('bad Response Authenticator')
  if (checkMessageAuthenticator(decoded.packet.raw, secret, auth) !== 'valid')
    throw new Error('bad Message-Authenticator')
  const named = namedAttributes(decoded.packet)
  const vendor = (named['Vendor-Specific'] ?? {}) as Record<string, unknown>
  return { packet: decoded.packet, attrs: { ...named, ...vendor } }
}

const authLog = async (userName: string) => {
  await r.runtime.flush()
  return r.database.sql<{ outcome: string; reason: string; detail: string | null; method: string }[]>`
    select outcome, reason, detail, method from radius_auth_log where user_name = ${userName} order by id`
}

await r.subscriber('alice', 'alice-pass-1', { ipv4Address: '100.64.0.10' })

t.test('PAP from a real service row: accept with the static IP and the plan rate limit', async (t) => {
  const { packet, attrs } = await ask({
    userName: 'alice',
    auth: { method: 'pap', password: 'alice-pass-1' },
  })
  t.equal(packet.code, Code.AccessAccept)
  t.equal(attrs['Framed-IP-Address'], '100.64.0.10')
  t.equal(
    attrs['Mikrotik-Rate-Limit'],
    '25600k/102400k 0/0 0/0 0/0 8',
    'rx/tx from the router: upload/download, priority',
  )
  t.equal(attrs['Acct-Interim-Interval'], 300)
  t.equal(attrs['Mikrotik-Address-List'], undefined, 'a normal session is on no list')
})

t.test('CHAP from a real service row', async (t) => {
  const ok = await ask({ userName: 'alice', auth: { method: 'chap', password: 'alice-pass-1' } })
  t.equal(ok.packet.code, Code.AccessAccept)
  const wrong = await ask({ userName: 'alice', auth: { method: 'chap', password: 'nope' } })
  t.equal(wrong.packet.code, Code.AccessAccept, 'restricted, not rejected')
  t.equal(wrong.attrs['Mikrotik-Address-List'], 'uplink-wrong-password')
  const log = await authLog('alice')
  t.same(
    log.map((l) => [l.outcome, l.reason, l.method]),
    [['restricted', 'wrong-password', 'chap']],
  )
})

t.test('MS-CHAPv2 (RFC 2759 vectors) against a sealed service password', async (t) => {
  await r.subscriber('User', 'clientPass')
  const response = encodeMsChapV2Response(
    17,
    hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E'),
    hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF'),
  )
  const { packet } = await ask({
    userName: 'User',
    auth: { method: 'mschapv2', challenge: hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28'), response },
  })
  t.equal(packet.code, Code.AccessAccept)
  t.equal(
    findVendorAttribute(packet, Vendor.Microsoft, MsAttr.Chap2Success)?.subarray(1).toString(),
    'S=407A5589115FD0D6209F510FE9C04566932CDA56',
  )
})

t.test('a blocked customer is accepted into the restricted pool, and the auth log says why', async (t) => {
  const { customer } = await r.subscriber('bob', 'bob-pass-1')
  const before = await ask({ userName: 'bob', auth: { method: 'pap', password: 'bob-pass-1' } })
  t.equal(before.attrs['Mikrotik-Address-List'], undefined)
  const blocked = await r.call('POST', `/api/v1/customers/${customer.id}/status`, { status: 'blocked' })
  t.equal(blocked.statusCode, 200, blocked.body)
  await r.runtime.whenFresh()
  const after = await ask({ userName: 'bob', auth: { method: 'pap', password: 'bob-pass-1' } })
  t.equal(after.packet.code, Code.AccessAccept)
  t.equal(after.attrs['Mikrotik-Address-List'], 'uplink-blocked')
  t.equal(after.attrs['Session-Timeout'], 300)
  t.equal(after.attrs['Mikrotik-Rate-Limit'], '1M/1M', 'the restricted speed, not the plan')
  t.same(
    (await authLog('bob')).map((l) => [l.outcome, l.reason, l.detail]),
    [['restricted', 'blocked', 'customer blocked']],
  )
  const api = await r.call('GET', '/api/v1/radius/auth-log?q=bob')
  t.equal(api.statusCode, 200, api.body)
  t.equal(api.json().items[0]?.reason, 'blocked')
})

t.test('a MAC other than the bound one gets the wrong-MAC list', async (t) => {
  await r.subscriber('carol', 'carol-pass-1', { mac: 'AA:BB:CC:00:11:22' })
  const good = await ask({
    userName: 'carol',
    auth: { method: 'pap', password: 'carol-pass-1' },
    attributes: [{ name: 'Calling-Station-Id', value: 'aa-bb-cc-00-11-22' }],
  })
  t.equal(good.attrs['Mikrotik-Address-List'], undefined)
  const bad = await ask({
    userName: 'carol',
    auth: { method: 'pap', password: 'carol-pass-1' },
    attributes: [{ name: 'Calling-Station-Id', value: 'AA:BB:CC:99:99:99' }],
  })
  t.equal(bad.attrs['Mikrotik-Address-List'], 'uplink-wrong-mac')
  const log = await authLog('carol')
  t.equal(log[0]?.reason, 'wrong-mac')
  t.match(log[0]?.detail, /AA:BB:CC:00:11:22/)
})

t.test('an unknown login gets the not-found list', async (t) => {
  const { attrs } = await ask({ userName: 'nobody', auth: { method: 'pap', password: 'x' } })
  t.equal(attrs['Mikrotik-Address-List'], 'uplink-not-found')
  t.equal((await authLog('nobody'))[0]?.reason, 'not-found')
})

t.test('a change made in the panel applies to the next Access-Request', async (t) => {
  const { service } = await r.subscriber('dave', 'old-password')
  t.equal(
    (await ask({ userName: 'dave', auth: { method: 'pap', password: 'old-password' } })).packet.code,
    Code.AccessAccept,
  )
  const patched = await r.call('PATCH', `/api/v1/services/${service.id}`, { password: 'new-password' })
  t.equal(patched.statusCode, 200, patched.body)
  await r.runtime.whenFresh()
  const fresh = await ask({ userName: 'dave', auth: { method: 'pap', password: 'new-password' } })
  t.equal(fresh.attrs['Mikrotik-Address-List'], undefined, 'the new password works')
  const stale = await ask({ userName: 'dave', auth: { method: 'pap', password: 'old-password' } })
  t.equal(stale.attrs['Mikrotik-Address-List'], 'uplink-wrong-password', 'the old one no longer does')

  const disabled = await r.call('POST', `/api/v1/services/${service.id}/status`, { status: 'disabled' })
  t.equal(disabled.statusCode, 200, disabled.body)
  await r.runtime.whenFresh()
  const off = await ask({ userName: 'dave', auth: { method: 'pap', password: 'new-password' } })
  t.equal(off.attrs['Mikrotik-Address-List'], 'uplink-blocked', 'a disabled service is restricted')

  const faster = await r.call('PATCH', `/api/v1/plans/${r.plan.id}`, { downloadKbps: 204800 })
  t.equal(faster.statusCode, 200, faster.body)
  await r.runtime.whenFresh()
  const sped = await ask({ userName: 'alice', auth: { method: 'pap', password: 'alice-pass-1' } })
  t.equal(
    sped.attrs['Mikrotik-Rate-Limit'],
    '25600k/204800k 0/0 0/0 0/0 8',
    'a plan speed change reaches its services',
  )
})

t.test('a NAS not in the table is ignored and counted', async (t) => {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', resolve))
  t.teardown(() => socket.close())
  let answered = false
  socket.on('message', () => {
    answered = true
  })
  const before = r.runtime.counters().dropped['unknown-nas'] ?? 0
  const request = accessRequest({
    userName: 'alice',
    secret: NAS_SECRET,
    auth: { method: 'pap', password: 'alice-pass-1' },
  })
  socket.send(request, port, '127.0.0.1')
  for (let i = 0; i < 500 && (r.runtime.counters().dropped['unknown-nas'] ?? 0) === before; i++)
    await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(r.runtime.counters().dropped['unknown-nas'], before + 1)
  t.equal(answered, false, 'never answered')
  t.equal(r.runtime.nas.unknownSources()[0]?.address, '127.0.0.2')
})

t.test('NAS request counters and last-seen reach the table', async (t) => {
  await r.runtime.flush()
  const res = await r.call('GET', `/api/v1/radius/nas/${r.nas.id}`)
  t.ok(res.json().requests >= 10, `requests counted (${res.json().requests})`)
  t.ok(res.json().lastSeenAt, 'last seen set')
})
