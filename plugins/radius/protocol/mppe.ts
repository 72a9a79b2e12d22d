/**
 * MPPE key material for RADIUS replies: RFC 3079 key derivation and the RFC 2548 attribute encryption
 * (MS-MPPE-Send-Key / MS-MPPE-Recv-Key salt encryption, MS-CHAP-MPPE-Keys for MS-CHAPv1).
 */
import { createHash, randomBytes } from 'node:crypto'
import { md5 } from './md5.ts'
import { encryptUserPassword } from './pap.ts'

const MASTER_MAGIC = Buffer.from('This is the MPPE Master Key', 'ascii')
/** "On the client side, this is the send key; on the server side, it is the receive key." */
const MAGIC2 = Buffer.from(
  'On the client side, this is the send key; on the server side, it is the receive key.',
  'ascii',
)
/** "On the client side, this is the receive key; on the server side, it is the send key." */
const MAGIC3 = Buffer.from(
  'On the client side, this is the receive key; on the server side, it is the send key.',
  'ascii',
)
const PAD1 = Buffer.alloc(40, 0x00)
const PAD2 = Buffer.alloc(40, 0xf2)

/** GetMasterKey (RFC 3079 3.4). */
export function getMasterKey(passwordHashHash: Uint8Array, ntResponse: Uint8Array): Buffer {
  return createHash('sha1')
    .update(passwordHashHash)
    .update(ntResponse)
    .update(MASTER_MAGIC)
    .digest()
    .subarray(0, 16)
}

/** GetAsymmetricStartKey (RFC 3079 3.4). */
export function getAsymmetricStartKey(
  masterKey: Uint8Array,
  length: 8 | 16,
  isSend: boolean,
  isServer: boolean,
): Buffer {
  const magic = isSend === isServer ? MAGIC3 : MAGIC2
  return createHash('sha1')
    .update(masterKey)
    .update(PAD1)
    .update(magic)
    .update(PAD2)
    .digest()
    .subarray(0, length)
}

/** GetNewKeyFromSHA (RFC 3079 2.4 / 3.4): what the NAS and the client derive session keys with. */
export function getNewKeyFromSha(startKey: Uint8Array, sessionKey: Uint8Array, length: 8 | 16): Buffer {
  return createHash('sha1')
    .update(startKey.subarray(0, length))
    .update(PAD1)
    .update(sessionKey.subarray(0, length))
    .update(PAD2)
    .digest()
    .subarray(0, length)
}

/** MS-CHAPv1 128-bit GetStartKey (RFC 3079 2.3): SHA1(NtPasswordHashHash, NtPasswordHashHash, Challenge). */
export function getV1StartKey(challenge: Uint8Array, passwordHashHash: Uint8Array): Buffer {
  return createHash('sha1')
    .update(passwordHashHash)
    .update(passwordHashHash)
    .update(challenge)
    .digest()
    .subarray(0, 16)
}

/** The server's MS-CHAPv2 start keys: send = the NAS's transmit key (Magic3), recv = its receive key. */
export function mschapV2ServerKeys(
  passwordHashHash: Uint8Array,
  ntResponse: Uint8Array,
): { sendKey: Buffer; recvKey: Buffer } {
  const master = getMasterKey(passwordHashHash, ntResponse)
  return {
    sendKey: getAsymmetricStartKey(master, 16, true, true),
    recvKey: getAsymmetricStartKey(master, 16, false, true),
  }
}

/**
 * RFC 2548 2.4.2/2.4.3 encryption of MS-MPPE-Send-Key / Recv-Key: a 2-byte salt with its high bit set,
 * then (key length, key, zero padding) XORed with MD5(secret + request authenticator + salt) chained as
 * for User-Password.
 */
export function encryptMppeKey(
  key: Uint8Array,
  secret: Uint8Array,
  requestAuthenticator: Uint8Array,
  salt: Uint8Array = saltBytes(),
): Buffer {
  const plainLength = 1 + key.length
  const plain = Buffer.alloc(Math.ceil(plainLength / 16) * 16)
  plain[0] = key.length
  Buffer.from(key).copy(plain, 1)
  const out = Buffer.alloc(2 + plain.length)
  Buffer.from(salt).copy(out, 0)
  let previous: Uint8Array = Buffer.concat([requestAuthenticator, salt])
  for (let i = 0; i < plain.length; i += 16) {
    const b = md5(secret, previous)
    for (let j = 0; j < 16; j++) out[2 + i + j] = plain[i + j]! ^ b[j]!
    previous = out.subarray(2 + i, 2 + i + 16)
  }
  return out
}

/** Inverse of encryptMppeKey (used by a NAS; our tests play the NAS). */
export function decryptMppeKey(
  value: Uint8Array,
  secret: Uint8Array,
  requestAuthenticator: Uint8Array,
): Buffer | null {
  if (value.length < 18 || (value.length - 2) % 16 !== 0) return null
  const salt = value.subarray(0, 2)
  const cipher = value.subarray(2)
  const plain = Buffer.alloc(cipher.length)
  let previous: Uint8Array = Buffer.concat([requestAuthenticator, salt])
  for (let i = 0; i < cipher.length; i += 16) {
    const b = md5(secret, previous)
    for (let j = 0; j < 16; j++) plain[i + j] = cipher[i + j]! ^ b[j]!
    previous = cipher.subarray(i, i + 16)
  }
  const length = plain[0]!
  if (length + 1 > plain.length) return null
  return plain.subarray(1, 1 + length)
}

let saltCounter = randomBytes(2).readUInt16BE(0)

/** A fresh salt per attribute: RFC 2548 requires the high bit set and salts unique within a reply. */
export function saltBytes(): Buffer {
  saltCounter = (saltCounter + 1) & 0x7fff
  const salt = Buffer.alloc(2)
  salt.writeUInt16BE(0x8000 | saltCounter)
  return salt
}

/**
 * MS-CHAP-MPPE-Keys for MS-CHAPv1 (RFC 2548 2.4.1): 8 bytes of the LM hash, then the NT key, encrypted
 * like User-Password. As FreeRADIUS found, NASes expect NtPasswordHashHash as the NT key, not the hash.
 */
export function encryptMsChapMppeKeys(
  lmHash: Uint8Array | null,
  passwordHashHash: Uint8Array,
  secret: Uint8Array,
  requestAuthenticator: Uint8Array,
): Buffer {
  const plain = Buffer.alloc(24)
  if (lmHash) Buffer.from(lmHash.subarray(0, 8)).copy(plain, 0)
  Buffer.from(passwordHashHash).copy(plain, 8)
  return encryptUserPassword(plain, secret, requestAuthenticator)
}
