import t, { type Test } from 'tap'
import { verifyResponseAuthenticator } from '../../../../plugins/radius/protocol/authenticators.ts'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../../plugins/radius/protocol/dictionary.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'
import { accountingRequest } from '../helpers/client.ts'
import { SECRET, startServer } from '../helpers/server.ts'
import { clientSocket, exchange } from '../helpers/udp.ts'

const secret = Buffer.from(SECRET)
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0)

const session = (status: string, extra: NamedAttribute[] = []): NamedAttribute[] => [
  { name: 'Acct-Status-Type', value: status },
  { name: 'Acct-Session-Id', value: '81a00001' },
  { name: 'User-Name', value: 'alice' },
  { name: 'NAS-IP-Address', value: '10.0.0.1' },
  { name: 'Framed-IP-Address', value: '100.64.0.10' },
  { name: 'Calling-Station-Id', value: 'AA:BB:CC:00:11:22' },
  ...extra,
]

function isAck(t: Test, request: Buffer, reply: Buffer | null): void {
  t.ok(reply, 'acknowledged')
  const decoded = decodePacket(reply!)
  t.ok(decoded.ok && decoded.packet.code === Code.AccountingResponse, 'Accounting-Response')
  t.ok(verifyResponseAuthenticator(reply!, request.subarray(4, 20), secret), 'signed for the request')
}

t.test('start, interim with gigawords, stop: recorded with their counters', async (t) => {
  const { ports, store } = await startServer(t, { now: () => NOW })
  const start = accountingRequest({
    secret: SECRET,
    attributes: session('Start', [{ name: 'Event-Timestamp', value: new Date(NOW - 5000) }]),
  })
  isAck(t, start, await exchange(ports.acctPort, start))
  const interim = accountingRequest({
    secret: SECRET,
    messageAuthenticator: true,
    attributes: session('Interim-Update', [
      { name: 'Acct-Input-Octets', value: 5 },
      { name: 'Acct-Input-Gigawords', value: 2 },
      { name: 'Acct-Output-Octets', value: 4_000_000_000 },
      { name: 'Acct-Output-Gigawords', value: 1 },
      { name: 'Acct-Session-Time', value: 300 },
      { name: 'Acct-Delay-Time', value: 4 },
    ]),
  })
  isAck(t, interim, await exchange(ports.acctPort, interim))
  const stop = accountingRequest({
    secret: SECRET,
    attributes: session('Stop', [
      { name: 'Acct-Terminate-Cause', value: 'User-Request' },
      { name: 'Acct-Session-Time', value: 600 },
    ]),
  })
  isAck(t, stop, await exchange(ports.acctPort, stop))

  t.same(
    store.records.map((r) => r.statusType),
    ['start', 'interim-update', 'stop'],
  )
  const [s, i, e] = store.records
  t.equal(s!.eventTime.getTime(), NOW - 5000, 'Event-Timestamp is the event time')
  t.equal(i!.inputOctets, 2n * 2n ** 32n + 5n, 'input gigawords folded in')
  t.equal(i!.outputOctets, 2n ** 32n + 4_000_000_000n)
  t.equal(i!.eventTime.getTime(), NOW - 4000, 'without Event-Timestamp: received minus Acct-Delay-Time')
  t.equal(i!.sessionTime, 300)
  t.equal(e!.terminateCause, 'User-Request')
  t.equal(e!.sessionId, '81a00001')
  t.equal(e!.userName, 'alice')
  t.equal(e!.framedIpAddress, '100.64.0.10')
  t.equal(e!.nas.name, 'nas-127.0.0.1')
})

t.test('the acknowledgement waits for the store to commit', async (t) => {
  const { ports, store, server } = await startServer(t)
  store.hold = true
  const client = await clientSocket()
  t.teardown(client.close)
  const request = accountingRequest({ secret: SECRET, attributes: session('Start') })
  client.send(request, ports.acctPort)
  for (let i = 0; i < 500 && store.waiting === 0; i++) await new Promise((r) => setTimeout(r, 2))
  t.equal(store.waiting, 1, 'the store holds the record')
  t.equal(server.stats().replies['accounting-response'], undefined, 'nothing sent yet')
  t.equal(store.records.length, 0)
  store.release()
  isAck(t, request, await client.next())
  t.equal(store.records.length, 1)
})

t.test('a failing store means no acknowledgement; the retransmission is recorded once', async (t) => {
  const { ports, store, server, errors } = await startServer(t)
  store.failNext = 1
  const client = await clientSocket()
  t.teardown(client.close)
  const request = accountingRequest({ secret: SECRET, attributes: session('Start') })
  client.send(request, ports.acctPort)
  t.equal(await client.next(300), null)
  t.equal(server.stats().dropped['store-failed'], 1)
  t.match(String(errors[0]), /database unavailable/)
  client.send(request, ports.acctPort)
  isAck(t, request, await client.next())
  client.send(request, ports.acctPort)
  isAck(t, request, await client.next())
  t.equal(store.records.length, 1)
  t.equal(server.stats().replies['duplicate-resent'], 1)
})

t.test('the same event re-sent with a new Acct-Delay-Time keeps its event key', async (t) => {
  const { ports, store } = await startServer(t)
  const first = accountingRequest({
    secret: SECRET,
    attributes: session('Stop', [{ name: 'Acct-Delay-Time', value: 0 }]),
  })
  const later = accountingRequest({
    secret: SECRET,
    attributes: session('Stop', [{ name: 'Acct-Delay-Time', value: 30 }]),
  })
  isAck(t, first, await exchange(ports.acctPort, first))
  isAck(t, later, await exchange(ports.acctPort, later))
  t.equal(store.records.length, 1, 'the store saw the same eventKey twice and kept one')
})

t.test('bad authenticator, missing status, and passwords in accounting are dropped', async (t) => {
  const { ports, settled, store } = await startServer(t)
  const wrongSecret = accountingRequest({ secret: 'wrong', attributes: session('Start') })
  const noStatus = accountingRequest({
    secret: SECRET,
    attributes: [{ name: 'Acct-Session-Id', value: 'x' }],
  })
  const noSession = accountingRequest({
    secret: SECRET,
    attributes: [{ name: 'Acct-Status-Type', value: 'Start' }],
  })
  for (const p of [wrongSecret, noStatus, noSession]) await exchange(ports.acctPort, p, 100)
  const on = accountingRequest({
    secret: SECRET,
    attributes: [{ name: 'Acct-Status-Type', value: 'Accounting-On' }],
  })
  isAck(t, on, await exchange(ports.acctPort, on))
  const stats = await settled(4)
  t.equal(stats.dropped['bad-authenticator'], 1)
  t.equal(stats.dropped['malformed-request'], 2)
  t.same(
    store.records.map((r) => r.statusType),
    ['accounting-on'],
  )
})
