import t from 'tap'
import type { Test } from 'tap'
import {
  checkMessageAuthenticator,
  verifyResponseAuthenticator,
} from '../../../../plugins/radius/protocol/authenticators.ts'
import { Code, MsAttr, Vendor } from '../../../../plugins/radius/protocol/codes.ts'
import { namedAttributes } from '../../../../plugins/radius/protocol/dictionary.ts'
import { buildPacket } from '../../../../plugins/radius/protocol/encode.ts'
import { decryptMppeKey } from '../../../../plugins/radius/protocol/mppe.ts'
import {
  encodeMsChapV1Response,
  encodeMsChapV2Response,
  hashNtPasswordHash,
  lmPasswordHash,
  ntPasswordHash,
} from '../../../../plugins/radius/protocol/mschap.ts'
import {
  decodePacket,
  findVendorAttribute,
  type RadiusPacket,
} from '../../../../plugins/radius/protocol/packet.ts'
import { decryptUserPassword } from '../../../../plugins/radius/protocol/pap.ts'
import { buildMikrotikRateLimit } from '../../../../plugins/radius/protocol/rate-limit.ts'
import { accessRequest } from '../helpers/client.ts'
import { SECRET, startServer } from '../helpers/server.ts'
import { clientSocket, exchange } from '../helpers/udp.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const secret = Buffer.from(SECRET)

/** Decodes a reply and checks it is signed for this request: Response Authenticator and Message-Authenticator. */
function signedReply(t: Test, request: Buffer, reply: Buffer | null): RadiusPacket {
  t.ok(reply, 'got a reply')
  const decoded = decodePacket(reply!)
  if (!decoded.ok) throw new Error(decoded.reason)
  const auth = request.subarray(4, 20)
  t.ok(verifyResponseAuthenticator(decoded.packet.raw, auth, secret), 'Response Authenticator')
  t.equal(checkMessageAuthenticator(decoded.packet.raw, secret, auth), 'valid', 'Message-Authenticator')
  t.equal(decoded.packet.attributes[0]?.type, 80, 'Message-Authenticator comes first')
  return decoded.packet
}

t.test('PAP: accept with the plan attributes, a long password, Proxy-State echoed', async (t) => {
  const { ports, subscribers, server } = await startServer(t)
  const rateLimit = buildMikrotikRateLimit({ downloadKbps: 20_000, uploadKbps: 5_000 })
  subscribers.add('alice', {
    password: 'a passphrase longer than sixteen bytes',
    replyAttributes: [
      { name: 'Framed-IP-Address', value: '100.64.0.10' },
      { name: 'Mikrotik-Rate-Limit', value: rateLimit },
    ],
  })
  const request = accessRequest({
    userName: 'alice',
    secret: SECRET,
    auth: { method: 'pap', password: 'a passphrase longer than sixteen bytes' },
    attributes: [{ name: 'Proxy-State', value: Buffer.from('proxy-1') }],
  })
  const reply = signedReply(t, request, await exchange(ports.authPort, request))
  t.equal(reply.code, Code.AccessAccept)
  const named = namedAttributes(reply)
  t.equal(named['Framed-IP-Address'], '100.64.0.10')
  t.same(named['Vendor-Specific'], { 'Mikrotik-Rate-Limit': '5M/20M' })
  t.equal(named['Acct-Interim-Interval'], 300)
  t.same(named['Proxy-State'], Buffer.from('proxy-1'))
  t.equal(server.stats().replies['access-accept'], 1)
})

t.test('CHAP with CHAP-Challenge and with the Request Authenticator as challenge', async (t) => {
  const { ports, subscribers } = await startServer(t)
  subscribers.add('bob', { password: 'chap-secret' })
  const withChallenge = accessRequest({
    userName: 'bob',
    secret: SECRET,
    auth: { method: 'chap', password: 'chap-secret', challenge: hex('00112233445566778899aabbccddeeff0011') },
  })
  t.equal(
    signedReply(t, withChallenge, await exchange(ports.authPort, withChallenge)).code,
    Code.AccessAccept,
  )
  const implicit = accessRequest({
    userName: 'bob',
    secret: SECRET,
    auth: { method: 'chap', password: 'chap-secret' },
  })
  t.equal(signedReply(t, implicit, await exchange(ports.authPort, implicit)).code, Code.AccessAccept)
})

t.test('MS-CHAPv1 with the RFC 2433 B.2 exchange, and its MPPE keys', async (t) => {
  const { ports, subscribers } = await startServer(t)
  subscribers.add('v1user', { password: 'MyPw' })
  const request = accessRequest({
    userName: 'v1user',
    secret: SECRET,
    auth: {
      method: 'mschap',
      challenge: hex('102DB5DF085D3041'),
      response: encodeMsChapV1Response(3, hex('4E9D3C8F9CFD385D5BF4D3246791956CA4C351AB409A3D61')),
    },
  })
  const reply = signedReply(t, request, await exchange(ports.authPort, request))
  t.equal(reply.code, Code.AccessAccept)
  const keys = decryptUserPassword(
    findVendorAttribute(reply, Vendor.Microsoft, MsAttr.ChapMppeKeys)!,
    secret,
    request.subarray(4, 20),
  )!
  t.same(keys.subarray(0, 8), lmPasswordHash('MyPw')!.subarray(0, 8), 'LM key')
  t.same(keys.subarray(8, 24), hashNtPasswordHash(ntPasswordHash('MyPw')), 'NT key is NtPasswordHashHash')
  t.equal(findVendorAttribute(reply, Vendor.Microsoft, MsAttr.MppeEncryptionPolicy)?.readUInt32BE(0), 1)
  t.equal(findVendorAttribute(reply, Vendor.Microsoft, MsAttr.MppeEncryptionTypes)?.readUInt32BE(0), 6)

  const wrong = accessRequest({
    userName: 'v1user',
    secret: SECRET,
    auth: {
      method: 'mschap',
      challenge: hex('102DB5DF085D3041'),
      response: encodeMsChapV1Response(3, Buffer.alloc(24, 1)),
    },
  })
  const rejected = signedReply(t, wrong, await exchange(ports.authPort, wrong))
  t.equal(rejected.code, Code.AccessReject, 'wrong password: MS-CHAP cannot be restricted, it is rejected')
  t.equal(
    findVendorAttribute(rejected, Vendor.Microsoft, MsAttr.ChapError)?.subarray(1).toString(),
    'E=691 R=0',
  )
})

// RFC 2759 9.2 / RFC 3079 3.5.3 values, used literally: the client here computes nothing.
const v2 = {
  authChallenge: hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28'),
  peerChallenge: hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E'),
  ntResponse: hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF'),
}
const v2Request = (userName: string, ntResponse = v2.ntResponse) =>
  accessRequest({
    userName,
    secret: SECRET,
    auth: {
      method: 'mschapv2',
      challenge: v2.authChallenge,
      response: encodeMsChapV2Response(17, v2.peerChallenge, ntResponse),
    },
  })

t.test('MS-CHAPv2 with the RFC 2759 vectors: S= response and RFC 3079 MPPE keys', async (t) => {
  const { ports, subscribers } = await startServer(t)
  subscribers.add('User', {
    password: 'clientPass',
    replyAttributes: [{ name: 'Mikrotik-Rate-Limit', value: '2M/10M' }],
  })
  const request = v2Request('User')
  const reply = signedReply(t, request, await exchange(ports.authPort, request))
  t.equal(reply.code, Code.AccessAccept)
  const success = findVendorAttribute(reply, Vendor.Microsoft, MsAttr.Chap2Success)!
  t.equal(success[0], 17, 'ident echoed')
  t.equal(success.subarray(1).toString(), 'S=407A5589115FD0D6209F510FE9C04566932CDA56')
  const auth = request.subarray(4, 20)
  const send = decryptMppeKey(findVendorAttribute(reply, Vendor.Microsoft, MsAttr.MppeSendKey)!, secret, auth)
  const recv = decryptMppeKey(findVendorAttribute(reply, Vendor.Microsoft, MsAttr.MppeRecvKey)!, secret, auth)
  t.same(send, hex('8B7CDC149B993A1BA118CB153F56DCCB'), 'MS-MPPE-Send-Key = RFC 3079 SendStartKey128')
  t.same(recv, hex('D5F0E9521E3EA9589645E86051C82226'), "MS-MPPE-Recv-Key = the client's send key")
  const salts = [MsAttr.MppeSendKey, MsAttr.MppeRecvKey].map((a) =>
    findVendorAttribute(reply, Vendor.Microsoft, a)!.subarray(0, 2),
  )
  t.ok(salts[0]![0]! & 0x80 && salts[1]![0]! & 0x80, 'salt high bits set')
  t.not(salts[0]!.toString('hex'), salts[1]!.toString('hex'), 'salts differ')
})

t.test(
  'MS-CHAPv2: wrong password and unknown user are rejected with MS-CHAP-Error; blocked users restricted',
  async (t) => {
    const { ports, subscribers, server } = await startServer(t)
    subscribers.add('User', { password: 'clientPass', state: 'blocked' })
    const wrong = v2Request('User', Buffer.alloc(24, 9))
    const rejected = signedReply(t, wrong, await exchange(ports.authPort, wrong))
    t.equal(rejected.code, Code.AccessReject)
    t.match(
      findVendorAttribute(rejected, Vendor.Microsoft, MsAttr.ChapError)!.subarray(1).toString(),
      /^E=691 R=0 C=[0-9A-F]{32} V=3 M=/,
    )
    const unknown = v2Request('Nobody')
    t.equal(signedReply(t, unknown, await exchange(ports.authPort, unknown)).code, Code.AccessReject)

    const blocked = v2Request('User')
    const restricted = signedReply(t, blocked, await exchange(ports.authPort, blocked))
    t.equal(restricted.code, Code.AccessAccept)
    t.match(namedAttributes(restricted)['Vendor-Specific'], {
      'Mikrotik-Address-List': 'uplink-blocked',
      'Mikrotik-Rate-Limit': '1M/1M',
    })
    t.equal(
      findVendorAttribute(restricted, Vendor.Microsoft, MsAttr.Chap2Success)?.subarray(1).toString(),
      'S=407A5589115FD0D6209F510FE9C04566932CDA56',
      'the right password still completes MS-CHAP',
    )
    t.same(server.stats().restricted, { '1': 1 })
  },
)

t.test('reject pool: one address list per reason, a short session', async (t) => {
  const { ports, subscribers, server, policy } = await startServer(t)
  policy.rejectPool.framedPool = 'reject-pool'
  subscribers.add('blocked', { password: 'pw', state: 'blocked' })
  subscribers.add('broke', { password: 'pw', state: 'negative-balance' })
  subscribers.add('bound', { password: 'pw', macs: ['AA:BB:CC:00:11:22'] })
  subscribers.add('good', { password: 'pw' })
  const cases: [string, string, string | undefined, string][] = [
    ['stranger', 'pw', undefined, 'uplink-not-found'],
    ['blocked', 'pw', undefined, 'uplink-blocked'],
    ['broke', 'pw', undefined, 'uplink-negative-balance'],
    ['bound', 'pw', '11:22:33:44:55:66', 'uplink-wrong-mac'],
    ['good', 'nope', undefined, 'uplink-wrong-password'],
  ]
  for (const [userName, password, mac, list] of cases) {
    const request = accessRequest({
      userName,
      secret: SECRET,
      auth: { method: 'pap', password },
      attributes: mac ? [{ name: 'Calling-Station-Id', value: mac }] : [],
    })
    const reply = signedReply(t, request, await exchange(ports.authPort, request))
    t.equal(reply.code, Code.AccessAccept, `${userName}: accepted into the pool`)
    const named = namedAttributes(reply)
    t.equal((named['Vendor-Specific'] as Record<string, string>)['Mikrotik-Address-List'], list)
    t.equal(named['Session-Timeout'], 300)
    t.equal(named['Framed-Pool'], 'reject-pool')
  }
  t.same(server.stats().restricted, { '0': 1, '1': 1, '2': 1, '3': 1, '4': 1 })

  const rightMac = accessRequest({
    userName: 'bound',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
    attributes: [{ name: 'Calling-Station-Id', value: 'aa-bb-cc-00-11-22' }],
  })
  const ok = signedReply(t, rightMac, await exchange(ports.authPort, rightMac))
  t.equal(
    namedAttributes(ok)['Session-Timeout'],
    undefined,
    'the bound MAC in another notation gets a normal session',
  )

  policy.rejectPool.rejectWrongPassword = true
  const wrong = accessRequest({ userName: 'good', secret: SECRET, auth: { method: 'pap', password: 'nope' } })
  t.equal(signedReply(t, wrong, await exchange(ports.authPort, wrong)).code, Code.AccessReject)
  policy.rejectPool.enabled = false
  const blocked = accessRequest({
    userName: 'blocked',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
  })
  t.equal(
    signedReply(t, blocked, await exchange(ports.authPort, blocked)).code,
    Code.AccessReject,
    'pool off: reject',
  )
})

t.test('MAC bound on first connect', async (t) => {
  const { ports, subscribers } = await startServer(t)
  subscribers.add('carol', { password: 'pw', bindMacOnFirstConnect: true })
  const first = accessRequest({
    userName: 'carol',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
    attributes: [{ name: 'Calling-Station-Id', value: '00:11:22:33:44:55' }],
  })
  t.equal(signedReply(t, first, await exchange(ports.authPort, first)).code, Code.AccessAccept)
  t.same(subscribers.bound, [{ id: 'carol', mac: '00:11:22:33:44:55' }])
  const other = accessRequest({
    userName: 'carol',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
    attributes: [{ name: 'Calling-Station-Id', value: '66:77:88:99:aa:bb' }],
  })
  const reply = signedReply(t, other, await exchange(ports.authPort, other))
  t.equal(
    (namedAttributes(reply)['Vendor-Specific'] as Record<string, string>)['Mikrotik-Address-List'],
    'uplink-wrong-mac',
  )
})

t.test('Message-Authenticator: verified, required per NAS, always sent', async (t) => {
  const { ports, subscribers, server, localNas, settled } = await startServer(t)
  subscribers.add('dave', { password: 'pw' })
  const bare = accessRequest({
    userName: 'dave',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
    messageAuthenticator: false,
  })
  t.equal(
    signedReply(t, bare, await exchange(ports.authPort, bare)).code,
    Code.AccessAccept,
    'optional: answered, with MA',
  )

  const forged = accessRequest({
    userName: 'dave',
    secret: 'not-the-secret',
    auth: { method: 'pap', password: 'pw' },
  })
  await exchange(ports.authPort, forged, 200)
  localNas.requireMessageAuthenticator = true
  const bare2 = accessRequest({
    userName: 'dave',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
    messageAuthenticator: false,
  })
  await exchange(ports.authPort, bare2, 200)
  const stats = await settled(3)
  t.equal(stats.dropped['bad-message-authenticator'], 1)
  t.equal(stats.dropped['missing-message-authenticator'], 1)
  const signed = accessRequest({ userName: 'dave', secret: SECRET, auth: { method: 'pap', password: 'pw' } })
  t.equal(
    signedReply(t, signed, await exchange(ports.authPort, signed)).code,
    Code.AccessAccept,
    'signed requests still pass',
  )
  t.equal(server.stats().replies['access-accept'], 2)
})

t.test('a retransmission gets the cached reply; a copy while the first is pending is dropped', async (t) => {
  let release: () => void = () => {}
  let calls = 0
  const gate = new Promise<void>((r) => {
    release = r
  })
  const { ports, server, settled } = await startServer(t, {
    authorize: async () => {
      calls++
      await gate
      return { kind: 'accept', attributes: [{ name: 'Session-Timeout', value: 3600 }] }
    },
  })
  const client = await clientSocket()
  t.teardown(client.close)
  const request = accessRequest({
    userName: 'eve',
    secret: SECRET,
    auth: { method: 'pap', password: 'x' },
    identifier: 77,
  })
  client.send(request, ports.authPort)
  client.send(request, ports.authPort)
  for (let i = 0; i < 500 && server.stats().received < 2; i++) await new Promise((r) => setTimeout(r, 2))
  t.equal(server.stats().dropped['duplicate-in-progress'], 1)
  release()
  const first = await client.next()
  client.send(request, ports.authPort)
  const again = await client.next()
  t.same(again, first, 'the same reply bytes')
  await settled(3)
  t.equal(calls, 1, 'authorized once')
  t.equal(server.stats().replies['duplicate-resent'], 1)

  // Same identifier and authenticator from another source port is another request.
  const other = await exchange(ports.authPort, request)
  t.ok(other)
  t.equal(calls, 2)
})

t.test('unknown NAS: ignored and counted, never answered; wrong code on the auth port dropped', async (t) => {
  const { ports, server, nas, settled } = await startServer(t)
  nas.byAddress.clear()
  const request = accessRequest({ userName: 'x', secret: SECRET, auth: { method: 'pap', password: 'x' } })
  const reply = await exchange(ports.authPort, request, 300)
  t.equal(reply, null)
  nas.add('127.0.0.1', { secret: SECRET })
  const acct = buildPacket({
    code: Code.AccountingRequest,
    identifier: 1,
    attributes: Buffer.alloc(0),
    secret,
    messageAuthenticator: false,
  })
  await exchange(ports.authPort, acct, 100)
  const stats = await settled(2)
  t.equal(stats.dropped['unknown-nas'], 1)
  t.equal(stats.dropped['unexpected-code'], 1)
  t.same(server.stats().replies, {})
})

t.test('Status-Server is answered; a failing authorizer is not (the NAS retries)', async (t) => {
  let fail = true
  const { ports, server, subscribers, errors } = await startServer(t)
  subscribers.find = async () => {
    if (fail) throw new Error('database down')
    return { id: 1, password: 'pw', state: 'active', replyAttributes: [] }
  }
  const status = buildPacket({
    code: Code.StatusServer,
    identifier: 9,
    attributes: Buffer.alloc(0),
    secret,
    messageAuthenticator: true,
  })
  t.equal(signedReply(t, status, await exchange(ports.authPort, status)).code, Code.AccessAccept)

  const client = await clientSocket()
  t.teardown(client.close)
  const request = accessRequest({
    userName: 'frank',
    secret: SECRET,
    auth: { method: 'pap', password: 'pw' },
  })
  client.send(request, ports.authPort)
  t.equal(await client.next(300), null)
  t.equal(server.stats().dropped['authorize-failed'], 1)
  t.match(String(errors[0]), /database down/)
  fail = false
  client.send(request, ports.authPort)
  t.equal(decodePacket((await client.next())!).ok, true, 'the retransmission is handled afresh')
})

t.test('a dual-stack listener sees IPv4 NASes by their IPv4 address', async (t) => {
  const probe = await import('node:dgram').then(
    ({ createSocket }) =>
      new Promise<boolean>((resolve) => {
        const s = createSocket('udp6')
        s.once('error', () => resolve(false))
        s.bind(0, '::', () => s.close(() => resolve(true)))
      }),
  )
  if (!probe) {
    t.comment('skipped: no IPv6 on this machine')
    return
  }
  const { ports, subscribers } = await startServer(t, { host: '::' })
  subscribers.add('ivy', { password: 'pw' })
  const request = accessRequest({ userName: 'ivy', secret: SECRET, auth: { method: 'pap', password: 'pw' } })
  const reply = signedReply(t, request, await exchange(ports.authPort, request))
  t.equal(reply.code, Code.AccessAccept, '::ffff:127.0.0.1 matched the NAS entry for 127.0.0.1')
})

t.test('encoded reply attributes follow edits of the subscriber list and of the policy', async (t) => {
  const { ports, subscribers, policy } = await startServer(t)
  const alice = subscribers.add('alice', {
    password: 'pw',
    replyAttributes: [{ name: 'Mikrotik-Rate-Limit', value: '1M/2M' }],
  })
  subscribers.add('blocked', { password: 'pw', state: 'blocked' })
  const ask = async (userName: string) => {
    const request = accessRequest({ userName, secret: SECRET, auth: { method: 'pap', password: 'pw' } })
    return namedAttributes(signedReply(t, request, await exchange(ports.authPort, request)))
  }
  const rate = (named: Record<string, unknown>) =>
    (named['Vendor-Specific'] as Record<string, string>)['Mikrotik-Rate-Limit']
  t.equal(rate(await ask('alice')), '1M/2M')
  t.equal(rate(await ask('alice')), '1M/2M', 'the second answer from the kept bytes')
  alice.replyAttributes[0]!.value = '5M/10M'
  alice.replyAttributes.push({ name: 'Framed-Pool', value: 'pool-b' })
  const edited = await ask('alice')
  t.equal(rate(edited), '5M/10M', 'a value edited in place')
  t.equal(edited['Framed-Pool'], 'pool-b', 'an attribute added in place')
  t.equal(edited['Acct-Interim-Interval'], 300)

  const before = await ask('blocked')
  t.equal((before['Vendor-Specific'] as Record<string, string>)['Mikrotik-Address-List'], 'uplink-blocked')
  policy.rejectPool.addressLists[1] = 'blocked-list'
  policy.rejectPool.sessionTimeout = 60
  policy.interimInterval = 0
  const after = await ask('blocked')
  t.equal((after['Vendor-Specific'] as Record<string, string>)['Mikrotik-Address-List'], 'blocked-list')
  t.equal(after['Session-Timeout'], 60)
  t.equal(after['Acct-Interim-Interval'], undefined, 'interim 0: left to the NAS')
  t.equal((await ask('alice'))['Acct-Interim-Interval'], undefined)
})
