import t from 'tap'
import {
  chapResponse,
  encodeChapPassword,
  verifyChapPassword,
} from '../../../../plugins/radius/protocol/chap.ts'
import {
  decryptUserPassword,
  encryptUserPassword,
  papPassword,
} from '../../../../plugins/radius/protocol/pap.ts'
import { createHash } from 'node:crypto'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

t.test('User-Password of the RFC 2865 7.1 example ("arctangent", secret "xyzzy5461")', async (t) => {
  const auth = hex('0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a')
  const hidden = hex('0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee')
  t.same(encryptUserPassword(Buffer.from('arctangent'), Buffer.from('xyzzy5461'), auth), hidden)
  t.equal(papPassword(hidden, Buffer.from('xyzzy5461'), auth)?.toString(), 'arctangent')
})

t.test('passwords longer than 16 bytes chain the cipher blocks', async (t) => {
  const secret = Buffer.from('s')
  const auth = Buffer.alloc(16, 3)
  for (const pw of ['exactly-16-bytes', 'a-password-of-thirty-three-bytes!', 'x'.repeat(128)]) {
    const hidden = encryptUserPassword(Buffer.from(pw), secret, auth)
    t.equal(hidden.length, Math.ceil(pw.length / 16) * 16, `${pw.length} bytes pad to ${hidden.length}`)
    t.equal(papPassword(hidden, secret, auth)?.toString(), pw)
  }
  // Second block is keyed by the first cipher block, not by the authenticator.
  const hidden = encryptUserPassword(Buffer.from('0123456789abcdefXYZ'), secret, auth)
  const b2 = createHash('md5').update(secret).update(hidden.subarray(0, 16)).digest()
  t.equal(String.fromCharCode(hidden[16]! ^ b2[0]!), 'X')
})

t.test('User-Password values of invalid length are refused', async (t) => {
  const s = Buffer.from('s')
  const a = Buffer.alloc(16)
  t.equal(decryptUserPassword(Buffer.alloc(15), s, a), null)
  t.equal(decryptUserPassword(Buffer.alloc(17), s, a), null)
  t.equal(decryptUserPassword(Buffer.alloc(144), s, a), null)
  t.throws(() => encryptUserPassword(Buffer.alloc(129), s, a), RangeError)
})

t.test('CHAP-Password is MD5(ident + password + challenge)', async (t) => {
  const challenge = Buffer.alloc(16, 0x11)
  const expected = createHash('md5').update(Buffer.of(7)).update('secret').update(challenge).digest()
  t.same(chapResponse(7, Buffer.from('secret'), challenge), expected)
  const cp = encodeChapPassword(7, Buffer.from('secret'), challenge)
  t.equal(cp.length, 17)
  t.ok(verifyChapPassword(cp, Buffer.from('secret'), challenge))
  t.notOk(verifyChapPassword(cp, Buffer.from('Secret'), challenge))
  t.notOk(verifyChapPassword(cp, Buffer.from('secret'), Buffer.alloc(16, 0x12)))
  t.notOk(verifyChapPassword(cp.subarray(0, 16), Buffer.from('secret'), challenge))
})
