// Accounting over real UDP into PostgreSQL: raw events stored once, sessions, daily usage, NAS reboots,
// stale sessions and the partitions job.
import t, { type Test } from 'tap'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import type { NamedAttribute } from '../../../../plugins/radius/protocol/dictionary.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'
import {
  closeStaleSessions,
  ensureAccountingPartitions,
} from '../../../../plugins/radius/service/maintenance.ts'
import { adminSession } from '../../../helpers/auth.ts'
import { accountingRequest } from '../helpers/client.ts'
import { NAS_SECRET, radiusApp } from '../helpers/app.ts'
import { clientSocket, exchange } from '../helpers/udp.ts'

const r = await radiusApp(t)
const sql = r.database.sql
const port = r.ports.acctPort
const { service, customer } = await r.subscriber('alice', 'alice-pass-1')
const T0 = Math.floor(r.clock.now().getTime() / 1000) * 1000

const event = (
  status: string,
  sessionId: string,
  at: number,
  extra: NamedAttribute[] = [],
): NamedAttribute[] => [
  { name: 'Acct-Status-Type', value: status },
  { name: 'Acct-Session-Id', value: sessionId },
  { name: 'User-Name', value: 'alice' },
  { name: 'NAS-IP-Address', value: '127.0.0.1' },
  { name: 'Framed-IP-Address', value: '100.64.0.10' },
  { name: 'Calling-Station-Id', value: 'AA:BB:CC:00:11:22' },
  { name: 'Event-Timestamp', value: new Date(at) },
  ...extra,
]

async function send(t: Test, attributes: NamedAttribute[], identifier?: number): Promise<Buffer> {
  const request = accountingRequest({ secret: NAS_SECRET, attributes, identifier })
  const reply = await exchange(port, request)
  t.ok(reply, 'acknowledged')
  const decoded = decodePacket(reply!)
  t.ok(decoded.ok && decoded.packet.code === Code.AccountingResponse, 'Accounting-Response')
  return request
}

const rawCount = async (sessionId: string) =>
  (
    await sql<
      { n: number }[]
    >`select count(*)::int as n from radius_accounting where acct_session_id = ${sessionId}`
  )[0]!.n

const sessionRow = async (sessionId: string) =>
  (
    await sql<
      {
        stoppedAt: unknown
        inputOctets: string
        outputOctets: string
        serviceId: number
        terminateCause: string | null
        sessionTime: number
      }[]
    >`select stopped_at as "stoppedAt", input_octets::text as "inputOctets", output_octets::text as "outputOctets",
        service_id as "serviceId", terminate_cause as "terminateCause", session_time as "sessionTime"
      from radius_sessions where acct_session_id = ${sessionId}`
  )[0]

const usage = async () =>
  sql<{ day: string; inputOctets: string; outputOctets: string }[]>`
    select day::text as day, input_octets::text as "inputOctets", output_octets::text as "outputOctets"
    from radius_usage_daily where service_id = ${service.id} order by day`

t.test('start, interim with gigawords and stop, each stored once however often it is sent', async (t) => {
  const start = await send(t, event('Start', 's-1', T0))
  // The same datagram again (a lost reply), and the same event re-sent later with a bumped Acct-Delay-Time.
  const client = await clientSocket()
  t.teardown(() => client.close())
  client.send(start, port)
  t.ok(await client.next(), 'a retransmission is answered too')
  await send(t, event('Start', 's-1', T0, [{ name: 'Acct-Delay-Time', value: 5 }]))
  t.equal(await rawCount('s-1'), 1, 'one Start row')

  const row = await sessionRow('s-1')
  t.equal(row?.stoppedAt, null, 'online')
  t.equal(row?.serviceId, service.id, 'tied to the service by login')

  const interim = event('Interim-Update', 's-1', T0 + 300_000, [
    { name: 'Acct-Input-Octets', value: 5 },
    { name: 'Acct-Input-Gigawords', value: 2 },
    { name: 'Acct-Output-Octets', value: 1000 },
    { name: 'Acct-Output-Gigawords', value: 1 },
    { name: 'Acct-Session-Time', value: 300 },
  ])
  await send(t, interim)
  await send(t, [...interim, { name: 'Acct-Delay-Time', value: 3 }])
  t.equal(await rawCount('s-1'), 2, 'one Interim row')
  const afterInterim = await sessionRow('s-1')
  t.equal(afterInterim?.inputOctets, String(2n * 2n ** 32n + 5n), 'gigawords folded into 64 bits')
  t.equal(afterInterim?.outputOctets, String(2n ** 32n + 1000n))

  const stop = event('Stop', 's-1', T0 + 600_000, [
    { name: 'Acct-Input-Octets', value: 10 },
    { name: 'Acct-Input-Gigawords', value: 2 },
    { name: 'Acct-Output-Octets', value: 3000 },
    { name: 'Acct-Output-Gigawords', value: 1 },
    { name: 'Acct-Session-Time', value: 600 },
    { name: 'Acct-Terminate-Cause', value: 'User-Request' },
  ])
  await send(t, stop)
  await send(t, stop)
  t.equal(await rawCount('s-1'), 3, 'one Stop row')
  const stopped = await sessionRow('s-1')
  t.ok(stopped?.stoppedAt, 'closed')
  t.equal(stopped?.terminateCause, 'User-Request')
  t.equal(stopped?.sessionTime, 600)

  // A late interim after the stop must not reopen the session.
  await send(t, event('Interim-Update', 's-1', T0 + 450_000, [{ name: 'Acct-Session-Time', value: 450 }]))
  t.ok((await sessionRow('s-1'))?.stoppedAt, 'still closed')

  const days = await usage()
  t.equal(days.length, 1)
  t.equal(days[0]?.inputOctets, String(2n * 2n ** 32n + 10n), 'usage is the growth, counted once')
  t.equal(days[0]?.outputOctets, String(2n ** 32n + 3000n))

  const api = await r.call('GET', `/api/v1/radius/sessions?customerId=${customer.id}`)
  t.equal(api.statusCode, 200, api.body)
  t.equal(api.json().items[0].acctSessionId, 's-1')
  const chart = await r.call(
    'GET',
    `/api/v1/radius/services/${service.id}/usage?from=2026-01-01&to=2026-01-31`,
  )
  t.same(chart.json(), [
    { day: days[0]?.day, inputOctets: days[0]?.inputOctets, outputOctets: days[0]?.outputOctets },
  ])
  const admin = await adminSession(r.app)
  const tab = await r.app.inject({
    method: 'GET',
    url: `/admin/radius/customers/${customer.id}/sessions`,
    headers: { cookie: admin.cookie },
  })
  t.equal(tab.statusCode, 200)
  t.match(tab.body, /4\.29 GB/, "the day's download on the customer tab")
})

t.test('records that arrive together are written in one transaction (group commit)', async (t) => {
  const before = { ...r.runtime.accounting.stats }
  const client = await clientSocket()
  t.teardown(() => client.close())
  for (let i = 0; i < 40; i++)
    client.send(
      accountingRequest({ secret: NAS_SECRET, identifier: i, attributes: event('Start', `g-${i}`, T0) }),
      port,
    )
  let answers = 0
  while (answers < 40 && (await client.next(5000))) answers++
  t.equal(answers, 40, 'every record acknowledged')
  const after = r.runtime.accounting.stats
  t.equal(after.records - before.records, 40)
  t.ok(
    after.transactions - before.transactions < 40,
    `fewer transactions than records (${after.transactions - before.transactions})`,
  )
  const [online] = await sql<{ n: number }[]>`
    select count(*)::int as n from radius_sessions where acct_session_id like 'g-%' and stopped_at is null`
  t.equal(online!.n, 40)
})

t.test('Accounting-On closes the open sessions of that NAS', async (t) => {
  await send(t, event('Start', 'reboot-1', T0 + 1000))
  await send(t, [
    { name: 'Acct-Status-Type', value: 'Accounting-On' },
    { name: 'NAS-IP-Address', value: '127.0.0.1' },
    { name: 'Event-Timestamp', value: new Date(T0 + 2000) },
  ])
  const row = await sessionRow('reboot-1')
  t.ok(row?.stoppedAt, 'closed')
  t.equal(row?.terminateCause, 'NAS-Reboot')
  const [open] = await sql<{ n: number }[]>`
    select count(*)::int as n from radius_sessions where nas_id = ${r.nas.id} and stopped_at is null`
  t.equal(open!.n, 0)
})

t.test('stale sessions are closed by the job; the real Stop still wins later', async (t) => {
  await send(t, event('Start', 'stale-1', T0 + 10_000))
  const closed = await closeStaleSessions(sql, new Date(T0 + 10_000 + 3 * 300_000 + 1000), 3 * 300)
  t.equal(closed, 1)
  t.equal((await sessionRow('stale-1'))?.terminateCause, 'Stale')
  await send(
    t,
    event('Stop', 'stale-1', T0 + 20_000, [{ name: 'Acct-Terminate-Cause', value: 'Lost-Carrier' }]),
  )
  t.equal((await sessionRow('stale-1'))?.terminateCause, 'Lost-Carrier')
})

t.test('the partitions job creates months ahead, and rows land in their month', async (t) => {
  const created = await ensureAccountingPartitions(sql, '2031-05-20', 2)
  t.equal(created, 3, 'May, June and July 2031')
  const again = await ensureAccountingPartitions(sql, '2031-05-20', 2)
  t.equal(again, 0, 'idempotent')
  await send(t, event('Start', 'future-1', Date.UTC(2031, 5, 10)))
  const [row] = await sql<{ part: string }[]>`
    select tableoid::regclass::text as part from radius_accounting where acct_session_id = 'future-1'`
  t.equal(row?.part, 'radius_accounting_2031_06')
  const [kind] = await sql<
    { kind: string }[]
  >`select relkind::text as kind from pg_class where relname = 'radius_accounting'`
  t.equal(kind?.kind, 'p', 'declaratively partitioned')
})
