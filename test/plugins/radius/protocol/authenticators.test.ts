import t from 'tap'
import radius from 'radius'
import {
  checkMessageAuthenticator,
  verifyHashedRequestAuthenticator,
  verifyResponseAuthenticator,
} from '../../../../plugins/radius/protocol/authenticators.ts'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import { encodeNamedAttributes } from '../../../../plugins/radius/protocol/dictionary.ts'
import { buildPacket, PacketTooLargeError } from '../../../../plugins/radius/protocol/encode.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const secret = Buffer.from('xyzzy5461')

t.test('reproduces the RFC 2865 7.1 Access-Accept byte for byte', async (t) => {
  const requestAuth = hex('0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a')
  const accept = buildPacket({
    code: Code.AccessAccept,
    identifier: 0,
    attributes: hex('06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03'),
    secret,
    messageAuthenticator: false,
    authenticator: requestAuth,
  })
  t.same(
    accept,
    hex(
      `02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03`,
    ),
  )
  t.ok(verifyResponseAuthenticator(accept, requestAuth, secret))
  t.notOk(verifyResponseAuthenticator(accept, Buffer.alloc(16), secret))
})

t.test('replies carry Message-Authenticator first, and the radius package verifies it', async (t) => {
  const request = radius.encode({
    code: 'Access-Request',
    secret: 'xyzzy5461',
    identifier: 42,
    attributes: [['User-Name', 'nemo']],
    add_message_authenticator: true,
  })
  t.equal(checkMessageAuthenticator(request, secret), 'valid', 'request MA as the package signs it')
  const reply = buildPacket({
    code: Code.AccessAccept,
    identifier: 42,
    attributes: encodeNamedAttributes([{ name: 'Session-Timeout', value: 60 }]),
    secret,
    messageAuthenticator: true,
    authenticator: request.subarray(4, 20),
  })
  t.equal(reply[20], 80, 'Message-Authenticator is the first attribute')
  t.equal(reply[21], 18)
  t.equal(checkMessageAuthenticator(reply, secret, request.subarray(4, 20)), 'valid')
  t.ok(radius.verify_response({ request, response: Buffer.from(reply), secret: 'xyzzy5461' }))
})

t.test('a tampered or wrongly keyed Message-Authenticator is invalid; a missing one is absent', async (t) => {
  const packet = buildPacket({
    code: Code.AccessRequest,
    identifier: 1,
    attributes: encodeNamedAttributes([{ name: 'User-Name', value: 'bob' }]),
    secret,
    messageAuthenticator: true,
  })
  t.equal(checkMessageAuthenticator(packet, secret), 'valid')
  t.equal(checkMessageAuthenticator(packet, Buffer.from('other')), 'invalid')
  const tampered = Buffer.from(packet)
  tampered[tampered.length - 1]! ^= 1
  t.equal(checkMessageAuthenticator(tampered, secret), 'invalid')
  const bare = buildPacket({
    code: Code.AccessRequest,
    identifier: 1,
    attributes: Buffer.alloc(0),
    secret,
    messageAuthenticator: false,
  })
  t.equal(checkMessageAuthenticator(bare, secret), 'absent')
  const twice = Buffer.concat([packet, packet.subarray(20, 38)])
  twice.writeUInt16BE(twice.length, 2)
  t.equal(checkMessageAuthenticator(twice, secret), 'invalid', 'two Message-Authenticators')
})

t.test(
  'accounting and CoA requests: MA over a zero authenticator, then the MD5 authenticator over the MA',
  async (t) => {
    for (const code of [Code.AccountingRequest, Code.CoaRequest, Code.DisconnectRequest]) {
      const packet = buildPacket({
        code,
        identifier: 5,
        attributes: encodeNamedAttributes([{ name: 'Acct-Session-Id', value: 'abc' }]),
        secret,
        messageAuthenticator: true,
      })
      t.ok(verifyHashedRequestAuthenticator(packet, secret), `code ${code} authenticator`)
      t.equal(checkMessageAuthenticator(packet, secret), 'valid', `code ${code} MA`)
      const bad = Buffer.from(packet)
      bad[bad.length - 1]! ^= 1
      t.notOk(verifyHashedRequestAuthenticator(bad, secret))
    }
  },
)

t.test('packets over 4096 bytes are refused', async (t) => {
  t.throws(
    () =>
      buildPacket({
        code: 2,
        identifier: 0,
        attributes: Buffer.alloc(4077),
        secret,
        messageAuthenticator: false,
        authenticator: Buffer.alloc(16),
      }),
    PacketTooLargeError,
  )
})
