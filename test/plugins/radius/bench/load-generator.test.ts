// The benchmark's load generator: its packets as the plugin's strict decoder and verifiers read them,
// and a real UDP run against the plugin's server, so both servers of bench:radius get valid requests.
import t from 'tap'
import { checkMessageAuthenticator, verifyHashedRequestAuthenticator } from '../../../../plugins/radius/protocol/authenticators.ts'
import { Attr, Code } from '../../../../plugins/radius/protocol/codes.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'
import { papPassword } from '../../../../plugins/radius/protocol/pap.ts'
import { runAcct, runAuth } from '../../../../scripts/bench/radius/load-generator.ts'
import { ACCT_STOP, accessRequest, accountingRequest, validReply } from '../../../../scripts/bench/radius/packets.ts'
import { SECRET, startServer } from '../helpers/server.ts'

const secret = Buffer.from(SECRET)

function attribute(raw: Buffer, type: number): Buffer | undefined {
  for (let at = 20; at + 2 <= raw.length; at += raw[at + 1]!) if (raw[at] === type) return raw.subarray(at + 2, at + raw[at + 1]!)
  return undefined
}

t.test('Access-Request: decodes, carries a recoverable PAP password and a valid Message-Authenticator first', async (t) => {
  for (const password of ['x', 'sixteen-chars-ok', 'a password longer than thirty-two bytes, ünïcode'])
    for (let id = 0; id < 256; id += 85) {
      const { packet, authenticator } = accessRequest({ id, userName: 'olena.kovalenko7', password, secret, nasIp: '10.1.2.3', nasPort: 7 })
      const decoded = decodePacket(packet)
      t.ok(decoded.ok, 'decodes')
      if (!decoded.ok) continue
      t.equal(decoded.packet.code, Code.AccessRequest)
      t.equal(decoded.packet.identifier, id)
      t.equal(packet[20], Attr.MessageAuthenticator, 'Message-Authenticator is the first attribute')
      t.equal(checkMessageAuthenticator(packet, secret), 'valid')
      t.same(authenticator, packet.subarray(4, 20))
      t.equal(papPassword(attribute(packet, Attr.UserPassword)!, secret, authenticator)!.toString('utf8'), password)
      t.equal(attribute(packet, Attr.UserName)!.toString(), 'olena.kovalenko7')
      t.same([...attribute(packet, Attr.NasIpAddress)!], [10, 1, 2, 3])
    }
})

t.test('Accounting-Request: its Request Authenticator verifies and octets past 4 GiB go into gigawords', async (t) => {
  const { packet } = accountingRequest({
    id: 9,
    statusType: ACCT_STOP,
    userName: 'anna.nowak3',
    sessionId: 'abc-1',
    secret,
    nasIp: '127.0.0.1',
    nasPort: 1,
    framedIp: '10.64.0.1',
    eventTimestamp: 1_790_000_000,
    sessionTime: 600,
    inputOctets: 5_000_000_123n,
    outputOctets: 42n,
  })
  t.ok(decodePacket(packet).ok)
  t.ok(verifyHashedRequestAuthenticator(packet, secret))
  t.notOk(verifyHashedRequestAuthenticator(packet, Buffer.from('other')), 'not under another secret')
  t.equal(attribute(packet, Attr.AcctInputGigawords)!.readUInt32BE(), 1)
  t.equal(attribute(packet, Attr.AcctInputOctets)!.readUInt32BE(), 5_000_000_123 - 2 ** 32)
  t.equal(attribute(packet, Attr.AcctOutputOctets)!.readUInt32BE(), 42)
  t.equal(attribute(packet, Attr.AcctTerminateCause)!.readUInt32BE(), 1)
})

t.test('validReply: checks the Response Authenticator against the request', async (t) => {
  const { packet, authenticator } = accessRequest({ id: 1, userName: 'u', password: 'p', secret, nasIp: '127.0.0.1', nasPort: 1 })
  const reply = Buffer.from(packet.subarray(0, 20))
  reply[0] = Code.AccessReject
  reply.writeUInt16BE(20, 2)
  const { createHash } = await import('node:crypto')
  createHash('md5').update(reply.subarray(0, 4)).update(authenticator).update(secret).digest().copy(reply, 4)
  t.ok(validReply(reply, authenticator, secret))
  t.notOk(validReply(reply, Buffer.alloc(16), secret), 'not for another request')
  t.notOk(validReply(reply, authenticator, Buffer.from('other')), 'not under another secret')
})

t.test('over UDP against the plugin server: every request is answered, valid, and wrong passwords are refused', async (t) => {
  const { ports, subscribers, store, policy, server } = await startServer(t)
  policy.rejectPool.rejectWrongPassword = true
  const logins = Array.from({ length: 50 }, (_, i) => `sub${i}`)
  const passwords = logins.map((l) => `pw-${l}`)
  for (const [i, login] of logins.entries()) subscribers.add(login, { password: passwords[i]! })
  const target = { host: '127.0.0.1', port: ports.authPort, secret: SECRET, nasIp: '127.0.0.1' }

  const auth = await runAuth({ target, window: 8, warmupS: 0, durationS: 1, wrongRatio: 0.5, timeoutMs: 3000, seed: 3 }, logins, passwords)
  t.ok(auth.answered > 0, 'answered requests')
  t.equal(auth.invalid, 0, 'every reply verifies')
  t.equal(auth.lost, 0)
  t.equal(auth.accepts + auth.rejects, auth.answered)
  t.ok(auth.accepts > 0 && auth.rejects > 0, 'both right and wrong passwords were sent')
  const stats = server.stats()
  t.same(stats.dropped, {}, 'the server dropped nothing')
  t.equal(stats.replies['access-reject'], auth.rejects, 'the rejects the server sent are the ones counted')
  t.equal(stats.replies['access-accept'], auth.accepts)

  const startedAt = 1_790_000_000
  for (const phase of ['start', 'interim', 'stop'] as const) {
    const r = await runAcct({ target: { ...target, port: ports.acctPort }, window: 8, timeoutMs: 3000, phase, sessions: 30, runTag: 't', startedAt }, logins)
    t.equal(r.answered, 30, `${phase}: all acknowledged`)
    t.equal(r.invalid + r.lost, 0)
  }
  t.equal(store.records.length, 90, 'every event recorded once')
  const stop0 = store.records.find((r) => r.statusType === 'stop' && r.sessionId === 't-0')!
  t.equal(stop0.userName, 'sub0')
  t.equal(stop0.inputOctets, 5_000_000_000n, 'gigawords folded back')
  t.equal(stop0.outputOctets, 20_000_000_000n)
  t.equal(stop0.sessionTime, 600)
  t.equal(stop0.eventTime.getTime(), (startedAt + 600) * 1000)
  const interim1 = store.records.find((r) => r.statusType === 'interim-update' && r.sessionId === 't-1')!
  t.equal(interim1.inputOctets, 20_000_000n)
  t.equal(interim1.framedIpAddress, '10.64.0.1')
})

t.test('open loop: requests leave on schedule and are all answered', async (t) => {
  const { ports, subscribers, server } = await startServer(t)
  subscribers.add('sub0', { password: 'pw0' })
  const target = { host: '127.0.0.1', port: ports.authPort, secret: SECRET, nasIp: '127.0.0.1' }
  const r = await runAuth({ target, window: 64, rate: 200, warmupS: 0, durationS: 1, wrongRatio: 0, timeoutMs: 3000, seed: 5 }, ['sub0'], ['pw0'])
  t.ok(r.answered > 0 && r.answered <= 201, `a second at 200/s: ${r.answered} answered`)
  t.equal(r.sentRps, r.answered, 'every request sent was answered')
  t.equal(r.invalid + r.lost, 0)
  t.equal(server.stats().replies['access-accept'], r.answered)
})
