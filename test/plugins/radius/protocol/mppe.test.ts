import t from 'tap'
import {
  decryptMppeKey,
  encryptMppeKey,
  encryptMsChapMppeKeys,
  getAsymmetricStartKey,
  getMasterKey,
  getNewKeyFromSha,
  getV1StartKey,
  mschapV2ServerKeys,
  saltBytes,
} from '../../../../plugins/radius/protocol/mppe.ts'
import {
  hashNtPasswordHash,
  lmPasswordHash,
  ntPasswordHash,
} from '../../../../plugins/radius/protocol/mschap.ts'
import { decryptUserPassword } from '../../../../plugins/radius/protocol/pap.ts'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const ntResponse = hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF')
const hashHash = hashNtPasswordHash(ntPasswordHash('clientPass'))

t.test('RFC 3079 3.5 MS-CHAPv2 key derivation', async (t) => {
  const master = getMasterKey(hashHash, ntResponse)
  t.same(master, hex('FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31'), 'MasterKey')
  const send128 = getAsymmetricStartKey(master, 16, true, true)
  t.same(send128, hex('8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB'), 'SendStartKey128')
  t.same(
    getNewKeyFromSha(send128, send128, 16),
    hex('40 5C B2 24 7A 79 56 E6 E2 11 00 7A E2 7B 22 D4'),
    'SendSessionKey128',
  )
  const send40 = getAsymmetricStartKey(master, 8, true, true)
  t.same(send40, hex('8B 7C DC 14 9B 99 3A 1B'), 'SendStartKey40')
  const session40 = getNewKeyFromSha(send40, send40, 8)
  session40.set([0xd1, 0x26, 0x9e], 0)
  t.same(session40, hex('D1 26 9E C4 9F A6 2E 3E'), 'SendSessionKey40')
  // The client's receive key is the server's send key and vice versa.
  t.same(getAsymmetricStartKey(master, 16, false, false), send128)
  const keys = mschapV2ServerKeys(hashHash, ntResponse)
  t.same(keys.sendKey, send128)
  t.same(keys.recvKey, getAsymmetricStartKey(master, 16, true, false))
})

t.test('RFC 3079 2.5.3 MS-CHAPv1 128-bit start and session key', async (t) => {
  const start = getV1StartKey(hex('102DB5DF085D3041'), hashHash)
  t.same(start, hex('a8947850cfc0acc1d1789fb62ddcddb0'))
  t.same(getNewKeyFromSha(start, start, 16), hex('59d159bc09f76f1da2a86a28ffec0b1e'))
})

t.test('MS-MPPE-Send-Key salt encryption (RFC 2548 2.4.2)', async (t) => {
  const secret = Buffer.from('xyzzy5461')
  const requestAuth = hex('0f403f9473978057bd83d5cb98f4227a')
  const key = hex('8B7CDC149B993A1BA118CB153F56DCCB')
  const salt = hex('8001')
  const value = encryptMppeKey(key, secret, requestAuth, salt)
  t.equal(value.length, 34, 'salt + one 32-byte block (length byte, 16-byte key, padding)')
  t.same(value.subarray(0, 2), salt)
  t.same(decryptMppeKey(value, secret, requestAuth), key)
  t.not(decryptMppeKey(value, Buffer.from('wrong'), requestAuth)?.toString('hex'), key.toString('hex'))
  const a = saltBytes()
  const b = saltBytes()
  t.ok(a[0]! & 0x80 && b[0]! & 0x80, 'salts have the high bit set')
  t.not(a.toString('hex'), b.toString('hex'), 'salts are unique')
})

t.test('MS-CHAP-MPPE-Keys carries the LM hash and NtPasswordHashHash, User-Password hidden', async (t) => {
  const secret = Buffer.from('s3cret')
  const auth = Buffer.alloc(16, 7)
  const lm = lmPasswordHash('clientPass')
  const value = encryptMsChapMppeKeys(lm, hashHash, secret, auth)
  t.equal(value.length, 32)
  const plain = decryptUserPassword(value, secret, auth)!
  t.same(plain.subarray(0, 8), lm!.subarray(0, 8))
  t.same(plain.subarray(8, 24), hashHash)
  t.same(plain.subarray(24), Buffer.alloc(8))
})
