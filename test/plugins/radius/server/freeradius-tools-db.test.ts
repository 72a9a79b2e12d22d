// FreeRADIUS's own client tools against the full app with the RADIUS plugin on a real database: a NAS
// row and a customer with an internet service made through core, then radtest (PAP, CHAP, MS-CHAPv1),
// a hand-built MS-CHAPv2 exchange through radclient, and radclient accounting Start / Interim / Stop
// checked in radius_sessions, radius_accounting and radius_usage_daily.
import t from 'tap'
import { MSCHAPV2_REQUEST, MSCHAPV2_SUCCESS, runTool, toolsMissing } from '../helpers/freeradius-tools.ts'
import { NAS_SECRET, radiusApp } from '../helpers/app.ts'

t.setTimeout(300_000)

const missing = toolsMissing
if (missing) console.log(`# skipping FreeRADIUS client tool tests on the database: ${missing}`)
const required = process.env.UPLINK_REQUIRE_TOOLS === '1'

const run = runTool

const epoch = (iso: string) => Math.floor(new Date(iso).getTime() / 1000)

if (missing && required) {
  t.fail(`UPLINK_REQUIRE_TOOLS=1 but ${missing}`)
} else {
  t.test('radtest and radclient against the DB-backed plugin', { skip: missing ?? false }, async (t) => {
    const r = await radiusApp(t)
    const sql = r.database.sql
    const { customer, service } = await r.subscriber('alice', 'secret-pass')
    await r.subscriber('User', 'clientPass')
    const auth = `127.0.0.1:${r.ports.authPort}`

    for (const method of ['pap', 'chap', 'mschap']) {
      const res = await run('radtest', [
        '-t',
        method,
        'alice',
        'secret-pass',
        auth,
        '0',
        NAS_SECRET,
        '127.0.0.1',
      ])
      t.match(res.out, /Received Access-Accept/, `radtest -t ${method}: accepted from the service row`)
      t.match(
        res.out,
        /Mikrotik-Rate-Limit = "25600k\/102400k 0\/0 0\/0 0\/0 8"/,
        `radtest -t ${method}: the plan's rate limit and priority`,
      )
      if (method === 'mschap') t.match(res.out, /MS-CHAP-MPPE-Keys = 0x[0-9a-f]{48}/, 'MS-CHAPv1 MPPE keys')
    }
    const wrong = await run('radtest', ['-t', 'pap', 'alice', 'wrong', auth, '0', NAS_SECRET, '127.0.0.1'])
    t.match(
      wrong.out,
      /Mikrotik-Address-List = "uplink-wrong-password"/,
      'wrong password: restricted session',
    )
    const unknown = await run('radtest', ['-t', 'mschap', 'nobody', 'x', auth, '0', NAS_SECRET, '127.0.0.1'])
    t.match(unknown.out, /Received Access-Reject/, 'MS-CHAP for an unknown login: rejected')
    const badSecret = await run('radtest', [
      '-t',
      'pap',
      'alice',
      'secret-pass',
      auth,
      '0',
      'not-the-secret',
      '127.0.0.1',
    ])
    t.notMatch(badSecret.out, /Received Access-Accept/, 'a wrong NAS secret never gets an accept')

    // MS-CHAPv2 from the RFC 2759 9.2 vectors, hand-built for radclient.
    const v2 = MSCHAPV2_REQUEST
    const r2 = await run('radclient', ['-x', '-r', '1', '-t', '3', auth, 'auth', NAS_SECRET], `${v2}\n`)
    t.match(r2.out, /Received Access-Accept/, 'radclient MS-CHAPv2: accepted')
    t.match(r2.out, MSCHAPV2_SUCCESS)
    t.match(r2.out, /MS-MPPE-Send-Key = 0x/)
    t.match(r2.out, /MS-MPPE-Recv-Key = 0x/)

    const acct = async (attributes: string[]) => {
      const res = await run(
        'radclient',
        ['-x', '-r', '1', '-t', '3', `127.0.0.1:${r.ports.acctPort}`, 'acct', NAS_SECRET],
        `${[...attributes, 'User-Name = "alice"', 'Acct-Session-Id = "81f00001"', 'Framed-IP-Address = 100.64.7.7', 'Calling-Station-Id = "AA:BB:CC:00:11:22"'].join(', ')}\n`,
      )
      t.match(res.out, /Received Accounting-Response/, `${attributes[0]}: acknowledged`)
      t.notMatch(res.out, /verification failed/i)
    }
    const session = async () =>
      (
        await sql<
          {
            serviceId: number
            customerId: number
            ip: string
            mac: string
            stopped: boolean
            input: string
            output: string
            cause: string | null
            time: number
          }[]
        >`select service_id as "serviceId", customer_id as "customerId", framed_ip_address as ip,
            calling_station_id as mac, stopped_at is not null as stopped, input_octets::text as input,
            output_octets::text as output, terminate_cause as cause, session_time as time
          from radius_sessions where acct_session_id = '81f00001'`
      )[0]

    await acct(['Acct-Status-Type = Start', `Event-Timestamp = ${epoch('2026-01-15T08:00:00Z')}`])
    t.match(await session(), {
      serviceId: service.id,
      customerId: customer.id,
      ip: '100.64.7.7',
      mac: 'AA:BB:CC:00:11:22',
      stopped: false,
      input: '0',
      output: '0',
    })
    await acct([
      'Acct-Status-Type = Interim-Update',
      `Event-Timestamp = ${epoch('2026-01-15T09:00:00Z')}`,
      'Acct-Session-Time = 3600',
      'Acct-Input-Octets = 1000',
      'Acct-Output-Octets = 50000',
    ])
    t.match(await session(), { stopped: false, input: '1000', output: '50000', time: 3600 })
    await acct([
      'Acct-Status-Type = Stop',
      `Event-Timestamp = ${epoch('2026-01-15T09:30:00Z')}`,
      'Acct-Session-Time = 5400',
      'Acct-Input-Octets = 2000',
      'Acct-Output-Octets = 7',
      'Acct-Output-Gigawords = 1',
      'Acct-Terminate-Cause = User-Request',
    ])
    t.match(await session(), {
      stopped: true,
      input: '2000',
      output: String(2 ** 32 + 7),
      cause: 'User-Request',
      time: 5400,
    })

    const raw = await sql<{ statusType: number; output: string; serviceId: number }[]>`
      select status_type as "statusType", output_octets::text as output, service_id as "serviceId"
      from radius_accounting where acct_session_id = '81f00001' order by event_time`
    t.same(
      raw.map((e) => [e.statusType, e.output, e.serviceId]),
      [
        [1, '0', service.id],
        [3, '50000', service.id],
        [2, String(2 ** 32 + 7), service.id],
      ],
      'one raw row per event: Start, Interim-Update, Stop',
    )
    const daily = await sql<{ day: string; input: string; output: string; customerId: number }[]>`
      select day::text as day, input_octets::text as input, output_octets::text as output, customer_id as "customerId"
      from radius_usage_daily where service_id = ${service.id}`
    t.same(
      daily,
      [{ day: '2026-01-15', input: '2000', output: String(2 ** 32 + 7), customerId: customer.id }],
      'the day’s usage is the session’s growth',
    )

    // radclient's retransmission of the Stop (same packet) is acknowledged and adds nothing.
    await acct([
      'Acct-Status-Type = Stop',
      `Event-Timestamp = ${epoch('2026-01-15T09:30:00Z')}`,
      'Acct-Session-Time = 5400',
      'Acct-Input-Octets = 2000',
      'Acct-Output-Octets = 7',
      'Acct-Output-Gigawords = 1',
      'Acct-Terminate-Cause = User-Request',
    ])
    const [again] = await sql<{ n: number; output: string }[]>`
      select (select count(*)::int from radius_accounting where acct_session_id = '81f00001') as n,
        (select output_octets::text from radius_usage_daily where service_id = ${service.id}) as output`
    t.same(again, { n: 3, output: String(2 ** 32 + 7) }, 'the same Stop again is stored once')

    const status = await run(
      'radclient',
      ['-x', '-r', '1', '-t', '3', auth, 'status', NAS_SECRET],
      'Message-Authenticator = 0x00\n',
    )
    t.match(status.out, /Received Access-Accept/, 'Status-Server answered')
  })
}
