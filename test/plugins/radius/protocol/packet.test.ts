import t from 'tap'
import { decodePacket, findVendorAttribute } from '../../../../plugins/radius/protocol/packet.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
// RFC 2865 7.1: Access-Request for "nemo" from NAS 192.168.1.16 port 3.
const rfcRequest =
  hex(`01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be
  70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03`)

function header(code: number, length: number, body = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(20)
  h[0] = code
  h[1] = 1
  h.writeUInt16BE(length, 2)
  return Buffer.concat([h, body])
}

t.test('decodes the RFC 2865 7.1 Access-Request', async (t) => {
  const r = decodePacket(rfcRequest)
  t.ok(r.ok)
  if (!r.ok) return
  t.equal(r.packet.code, 1)
  t.same(
    r.packet.attributes.map((a) => a.type),
    [1, 2, 4, 5],
  )
  t.equal(r.packet.attributes[0]!.value.toString(), 'nemo')
})

t.test('octets past Length are padding and ignored', async (t) => {
  const r = decodePacket(Buffer.concat([rfcRequest, Buffer.from('garbage')]))
  t.ok(r.ok)
  if (r.ok) t.equal(r.packet.raw.length, 0x38)
})

t.test('every malformed shape is dropped with its reason', async (t) => {
  const cases: [string, Buffer, string][] = [
    ['empty datagram', Buffer.alloc(0), 'too-short'],
    ['19 bytes', Buffer.alloc(19, 1), 'too-short'],
    ['Length below 20', header(1, 19), 'bad-length'],
    ['Length above 4096', Buffer.concat([header(1, 4097), Buffer.alloc(4077)]), 'bad-length'],
    ['datagram shorter than Length', header(1, 40), 'truncated'],
    ['unknown code', header(99, 20), 'unknown-code'],
    ['code 0', header(0, 20), 'unknown-code'],
    ['attribute length 0', header(1, 22, Buffer.of(1, 0)), 'attribute-too-short'],
    ['attribute length 1', header(1, 22, Buffer.of(1, 1)), 'attribute-too-short'],
    ['attribute overruns the packet', header(1, 24, Buffer.of(1, 6, 65, 66)), 'attribute-overrun'],
    ['lone type byte at the end', header(1, 21, Buffer.of(1)), 'attribute-overrun'],
    // The overrun is judged against Length, not against the datagram.
    [
      'attribute runs into padding',
      Buffer.concat([header(1, 24, Buffer.of(1, 6, 65, 66)), Buffer.of(67, 68)]),
      'attribute-overrun',
    ],
  ]
  for (const [name, datagram, reason] of cases) {
    const r = decodePacket(datagram)
    t.same(r, { ok: false, reason }, name)
  }
})

t.test('accepts the maximum 4096-byte packet', async (t) => {
  const attrs: Buffer[] = []
  let left = 4076
  while (left > 0) {
    const len = Math.min(255, left)
    attrs.push(Buffer.concat([Buffer.of(26, len), Buffer.alloc(len - 2)]))
    left -= len
  }
  const r = decodePacket(header(4, 4096, Buffer.concat(attrs)))
  t.ok(r.ok)
})

t.test('vendor attributes: well-formed ones are split out, odd layouts kept opaque', async (t) => {
  const vsa = Buffer.concat([Buffer.of(26, 15), hex('00003a8c'), Buffer.of(8, 9), Buffer.from('10M/20M')])
  const odd = Buffer.concat([Buffer.of(26, 9), hex('000001ad'), Buffer.of(1, 9, 0)]) // inner length overruns
  const r = decodePacket(header(2, 20 + vsa.length + odd.length, Buffer.concat([vsa, odd])))
  t.ok(r.ok)
  if (!r.ok) return
  t.equal(findVendorAttribute(r.packet, 14988, 8)?.toString(), '10M/20M')
  t.equal(r.packet.vendorAttributes.length, 1)
  t.equal(r.packet.attributes.length, 2, 'the odd VSA is still an attribute')
})
