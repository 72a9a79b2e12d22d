import t from 'tap'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import { UnknownAttributeError } from '../../../../plugins/radius/protocol/dictionary.ts'
import { CoaClient } from '../../../../plugins/radius/server/coa-client.ts'
import { startNasStandIn } from '../helpers/nas-stand-in.ts'

const SECRET = 'coa-secret'

async function client(t: { teardown: (fn: () => unknown) => void }, timeoutMs = 150, retries = 2) {
  const c = new CoaClient({ bindAddress: '127.0.0.1', timeoutMs, retries })
  await c.start()
  t.teardown(() => c.close())
  return c
}

t.test('Disconnect-Request is signed, carries the session, and resolves to the ACK', async (t) => {
  const nas = await startNasStandIn({ secret: SECRET })
  t.teardown(nas.close)
  const coa = await client(t)
  const result = await coa.disconnect({ address: '127.0.0.1', port: nas.port, secret: SECRET }, [
    { name: 'User-Name', value: 'alice; reboot' },
    { name: 'Acct-Session-Id', value: '81a00001' },
    { name: 'Framed-IP-Address', value: '100.64.0.10' },
  ])
  t.match(result, { kind: 'ack', attempts: 1 })
  const [req] = nas.received
  t.equal(req!.code, Code.DisconnectRequest)
  t.ok(req!.authenticatorValid, 'Request Authenticator valid')
  t.equal(req!.messageAuthenticator, 'valid')
  t.equal(req!.attributes['User-Name'], 'alice; reboot', 'user names travel as data, never through a shell')
})

t.test('CoA-Request with a new rate limit and address list; NAK carries the Error-Cause', async (t) => {
  const nas = await startNasStandIn({ secret: SECRET, nakWith: 503 })
  t.teardown(nas.close)
  const coa = await client(t)
  const result = await coa.changeAuthorization({ address: '127.0.0.1', port: nas.port, secret: SECRET }, [
    { name: 'User-Name', value: 'alice' },
    { name: 'Mikrotik-Rate-Limit', value: '1M/1M' },
    { name: 'Mikrotik-Address-List', value: 'uplink-negative-balance' },
  ])
  t.match(result, { kind: 'nak', errorCause: 503, attempts: 1 })
  t.equal(nas.received[0]!.code, Code.CoaRequest)
  t.same(nas.received[0]!.attributes['Vendor-Specific'], {
    'Mikrotik-Rate-Limit': '1M/1M',
    'Mikrotik-Address-List': 'uplink-negative-balance',
  })
})

t.test('retransmits the same packet until the NAS answers, then gives up', async (t) => {
  const nas = await startNasStandIn({ secret: SECRET, ignoreFirst: 2 })
  t.teardown(nas.close)
  const coa = await client(t)
  const result = await coa.disconnect({ address: '127.0.0.1', port: nas.port, secret: SECRET }, [
    { name: 'User-Name', value: 'bob' },
  ])
  t.match(result, { kind: 'ack', attempts: 3 })
  t.equal(nas.received.length, 3)
  t.equal(new Set(nas.received.map((r) => r.identifier)).size, 1, 'same identifier on every attempt')

  const silent = await startNasStandIn({ secret: SECRET, ignoreFirst: 100 })
  t.teardown(silent.close)
  const timedOut = await coa.disconnect({ address: '127.0.0.1', port: silent.port, secret: SECRET }, [
    { name: 'User-Name', value: 'bob' },
  ])
  t.same(timedOut, { kind: 'timeout', attempts: 3 })
})

t.test('an attribute the dictionaries do not know rejects the call, and nothing is sent', async (t) => {
  const nas = await startNasStandIn({ secret: SECRET })
  t.teardown(nas.close)
  const coa = await client(t)
  await t.rejects(
    coa.changeAuthorization({ address: '127.0.0.1', port: nas.port, secret: SECRET }, [
      { name: 'Bogus-Attribute', value: 'x' },
    ]),
    UnknownAttributeError,
  )
  t.equal(nas.received.length, 0)
})

t.test('a reply signed with another secret is ignored', async (t) => {
  const nas = await startNasStandIn({ secret: 'the-nas-thinks-otherwise' })
  t.teardown(nas.close)
  const coa = await client(t, 100, 0)
  const result = await coa.disconnect({ address: '127.0.0.1', port: nas.port, secret: SECRET }, [
    { name: 'User-Name', value: 'bob' },
  ])
  t.equal(result.kind, 'timeout')
  t.equal(nas.received[0]!.authenticatorValid, false, 'the NAS refused it too')
})
