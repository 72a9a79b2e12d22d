// FreeRADIUS's own client tools against our server: radtest (PAP, CHAP, MS-CHAPv1) and radclient
// (accounting, Status-Server, a hand-built MS-CHAPv2 exchange).
import t from 'tap'
import { MSCHAPV2_REQUEST, MSCHAPV2_SUCCESS, runTool, toolsMissing } from '../helpers/freeradius-tools.ts'
import { SECRET, startServer } from '../helpers/server.ts'

const missing = toolsMissing
if (missing) console.log(`# skipping FreeRADIUS client tool tests: ${missing}`)
const required = process.env.UPLINK_REQUIRE_TOOLS === '1'

const run = runTool

if (missing && required) {
  t.fail(`UPLINK_REQUIRE_TOOLS=1 but ${missing}`)
} else {
  t.test('radtest and radclient against the server', { skip: missing ?? false }, async (t) => {
    const { ports, subscribers, store, localNas } = await startServer(t)
    localNas.requireMessageAuthenticator = true
    subscribers.add('alice', {
      password: 'secret-pass',
      replyAttributes: [{ name: 'Mikrotik-Rate-Limit', value: '5M/20M' }],
    })
    subscribers.add('User', { password: 'clientPass' })
    const server = `127.0.0.1:${ports.authPort}`

    for (const method of ['pap', 'chap', 'mschap']) {
      const r = await run('radtest', ['-t', method, 'alice', 'secret-pass', server, '0', SECRET, '127.0.0.1'])
      t.match(r.out, /Received Access-Accept/, `radtest -t ${method}: accepted`)
      t.match(
        r.out,
        /Mikrotik-Rate-Limit = "5M\/20M"/,
        `radtest -t ${method}: MikroTik rate limit decoded by FreeRADIUS`,
      )
      if (method === 'mschap') t.match(r.out, /MS-CHAP-MPPE-Keys = 0x[0-9a-f]{48}/, 'MS-CHAPv1 MPPE keys')
    }
    const wrong = await run('radtest', ['-t', 'pap', 'alice', 'wrong', server, '0', SECRET, '127.0.0.1'])
    t.match(
      wrong.out,
      /Mikrotik-Address-List = "uplink-wrong-password"/,
      'wrong password: restricted session',
    )
    const unknown = await run('radtest', ['-t', 'mschap', 'nobody', 'x', server, '0', SECRET, '127.0.0.1'])
    t.match(unknown.out, /Received Access-Reject/, 'MS-CHAP for an unknown user: rejected')
    t.match(unknown.out, /MS-CHAP-Error = /)

    // MS-CHAPv2 from the RFC 2759 9.2 vectors, hand-built for radclient.
    const v2 = MSCHAPV2_REQUEST
    const r2 = await run('radclient', ['-x', '-r', '1', '-t', '3', server, 'auth', SECRET], `${v2}\n`)
    t.match(r2.out, /Received Access-Accept/, 'radclient MS-CHAPv2: accepted')
    t.match(r2.out, MSCHAPV2_SUCCESS)
    t.match(r2.out, /MS-MPPE-Send-Key = 0x/)

    const acct = [
      'User-Name = "alice"',
      'Acct-Status-Type = Interim-Update',
      'Acct-Session-Id = "81a00001"',
      'Acct-Input-Octets = 7',
      'Acct-Input-Gigawords = 1',
      'Acct-Output-Octets = 9',
      'Framed-IP-Address = 100.64.0.10',
      'Message-Authenticator = 0x00',
    ].join(', ')
    const a = await run(
      'radclient',
      ['-x', '-r', '1', '-t', '3', `127.0.0.1:${ports.acctPort}`, 'acct', SECRET],
      `${acct}\n`,
    )
    t.match(a.out, /Received Accounting-Response/, 'radclient accounting acknowledged')
    t.notMatch(a.out, /verification failed/i)
    t.equal(store.records.length, 1)
    t.equal(store.records[0]!.inputOctets, 2n ** 32n + 7n)

    const status = await run(
      'radclient',
      ['-x', '-r', '1', '-t', '3', server, 'status', SECRET],
      'Message-Authenticator = 0x00\n',
    )
    t.match(status.out, /Received Access-Accept/, 'Status-Server answered')
  })
}
