import t from 'tap'
import { Code } from '../../../../plugins/radius/protocol/codes.ts'
import {
  encodeNamedAttributes,
  lookupAttribute,
  namedAttributes,
  UnknownAttributeError,
} from '../../../../plugins/radius/protocol/dictionary.ts'
import { buildPacket } from '../../../../plugins/radius/protocol/encode.ts'
import { decodePacket } from '../../../../plugins/radius/protocol/packet.ts'

t.test('the MikroTik dictionary is loaded into the radius package', async (t) => {
  t.same(lookupAttribute('Mikrotik-Rate-Limit'), { vendor: { name: 'Mikrotik', id: 14988 }, id: 8 })
  t.same(lookupAttribute('Mikrotik-Address-List'), { vendor: { name: 'Mikrotik', id: 14988 }, id: 19 })
  t.same(lookupAttribute('Mikrotik-Group'), { vendor: { name: 'Mikrotik', id: 14988 }, id: 3 })
  t.same(lookupAttribute('MS-CHAP2-Success'), { vendor: { name: 'Microsoft', id: 311 }, id: 26 })
  t.same(lookupAttribute('Framed-IP-Address'), { id: 8 })
  t.equal(lookupAttribute('No-Such-Attribute'), undefined)
})

t.test('named attributes encode to the wire layout MikroTik expects', async (t) => {
  const bytes = encodeNamedAttributes([
    { name: 'Mikrotik-Rate-Limit', value: '10M/20M' },
    { name: 'Framed-IP-Address', value: '10.0.0.5' },
    { name: 'Session-Timeout', value: 300 },
  ])
  t.equal(
    bytes.toString('hex'),
    // VSA(26) len 15, vendor 14988, type 8 len 9 "10M/20M"; Framed-IP-Address; Session-Timeout
    '1a0f00003a8c080931304d2f32304d' + '08060a000005' + '1b060000012c',
  )
  t.throws(() => encodeNamedAttributes([{ name: 'Bogus', value: 'x' }]), UnknownAttributeError)
  t.throws(
    () => encodeNamedAttributes([{ name: 'Framed-IP-Address', value: 'not-an-ip' }]),
    UnknownAttributeError,
  )
  t.throws(() => encodeNamedAttributes([{ name: 'Session-Timeout', value: 'soon' }]), UnknownAttributeError)
})

t.test('decoding by name survives values that do not fit their type', async (t) => {
  const good = encodeNamedAttributes([
    { name: 'User-Name', value: 'alice' },
    { name: 'Mikrotik-Rate-Limit', value: '1M/2M' },
  ])
  // NAS-Port with 3 bytes, Vendor-Specific with a bad vendor byte, Tunnel-Type (tagged) with no value.
  const odd = Buffer.concat([
    Buffer.of(5, 5, 0, 0, 1),
    Buffer.of(26, 8, 0xff, 0, 0, 1, 1, 2),
    Buffer.of(64, 2),
  ])
  const packet = buildPacket({
    code: Code.AccessRequest,
    identifier: 1,
    attributes: Buffer.concat([good, odd]),
    secret: Buffer.from('s'),
    messageAuthenticator: false,
  })
  const decoded = decodePacket(packet)
  t.ok(decoded.ok)
  if (!decoded.ok) return
  const named = namedAttributes(decoded.packet)
  t.equal(named['User-Name'], 'alice')
  t.same(named['Vendor-Specific'], { 'Mikrotik-Rate-Limit': '1M/2M' })
  t.notOk('NAS-Port' in named, 'the misfit integer is left out')
})
