/**
 * MS-CHAP (RFC 2433) and MS-CHAPv2 (RFC 2759) computations, named after the RFCs' pseudo-code.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { desEncrypt7 } from './des.ts'
import { md4 } from './md4.ts'

/** NtPasswordHash: MD4 of the password in UTF-16LE ("Unicode" in the RFCs). */
export function ntPasswordHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'))
}

/** HashNtPasswordHash: MD4 of the NT hash. */
export function hashNtPasswordHash(passwordHash: Uint8Array): Buffer {
  return md4(passwordHash)
}

/**
 * LmPasswordHash (RFC 2433 A.2): DES of "KGS!@#$%" under the upper-cased, 14-byte padded password.
 * Returns null when the password does not fit (longer than 14 characters or not plain ASCII).
 */
export function lmPasswordHash(password: string): Buffer | null {
  if (password.length > 14 || !/^[\x20-\x7e]*$/.test(password)) return null
  const pw = Buffer.alloc(14)
  pw.write(password.toUpperCase(), 'latin1')
  const magic = Buffer.from('KGS!@#$%', 'latin1')
  return Buffer.concat([desEncrypt7(pw.subarray(0, 7), magic), desEncrypt7(pw.subarray(7, 14), magic)])
}

/** ChallengeResponse: three DES blocks keyed by the 16-byte hash zero-padded to 21 bytes. */
export function challengeResponse(challenge: Uint8Array, passwordHash: Uint8Array): Buffer {
  if (challenge.length !== 8) throw new RangeError('the MS-CHAP challenge is 8 bytes')
  const z = Buffer.alloc(21)
  Buffer.from(passwordHash).copy(z)
  return Buffer.concat([
    desEncrypt7(z.subarray(0, 7), challenge),
    desEncrypt7(z.subarray(7, 14), challenge),
    desEncrypt7(z.subarray(14, 21), challenge),
  ])
}

/** The user name MS-CHAPv2 hashes: without a "DOMAIN\" prefix (RFC 2759 ChallengeHash). */
export function mschapUserName(userName: string): string {
  const slash = userName.lastIndexOf('\\')
  return slash >= 0 ? userName.slice(slash + 1) : userName
}

/** ChallengeHash: first 8 bytes of SHA1(PeerChallenge + AuthenticatorChallenge + UserName). */
export function challengeHash(
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): Buffer {
  return createHash('sha1')
    .update(peerChallenge)
    .update(authChallenge)
    .update(Buffer.from(mschapUserName(userName), 'utf8'))
    .digest()
    .subarray(0, 8)
}

/** GenerateNTResponse (RFC 2759 8.1). */
export function generateNtResponse(
  authChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  userName: string,
  passwordHash: Uint8Array,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authChallenge, userName), passwordHash)
}

const MAGIC1 = Buffer.from('Magic server to client signing constant', 'ascii')
const MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'ascii')

/** GenerateAuthenticatorResponse (RFC 2759 8.7): the 42-character "S=..." string of MS-CHAP2-Success. */
export function generateAuthenticatorResponse(
  passwordHash: Uint8Array,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): string {
  const digest = createHash('sha1')
    .update(hashNtPasswordHash(passwordHash))
    .update(ntResponse)
    .update(MAGIC1)
    .digest()
  const challenge = challengeHash(peerChallenge, authChallenge, userName)
  const final = createHash('sha1').update(digest).update(challenge).update(MAGIC2).digest()
  return `S=${final.toString('hex').toUpperCase()}`
}

/** Constant-time comparison of two responses of any length. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Fields of MS-CHAP-Response (RFC 2548 2.1.3): Ident, Flags, LM-Response, NT-Response. */
export interface MsChapV1Response {
  ident: number
  useNtResponse: boolean
  lmResponse: Buffer
  ntResponse: Buffer
}

export function parseMsChapV1Response(value: Buffer): MsChapV1Response | null {
  if (value.length !== 50) return null
  return {
    ident: value[0]!,
    useNtResponse: (value[1]! & 1) === 1,
    lmResponse: value.subarray(2, 26),
    ntResponse: value.subarray(26, 50),
  }
}

/** Fields of MS-CHAP2-Response (RFC 2548 2.3.2): Ident, Flags, Peer-Challenge, Reserved, NT-Response. */
export interface MsChapV2Response {
  ident: number
  peerChallenge: Buffer
  ntResponse: Buffer
}

export function parseMsChapV2Response(value: Buffer): MsChapV2Response | null {
  if (value.length !== 50) return null
  return { ident: value[0]!, peerChallenge: value.subarray(2, 18), ntResponse: value.subarray(26, 50) }
}

export function encodeMsChapV1Response(ident: number, ntResponse: Uint8Array): Buffer {
  const out = Buffer.alloc(50)
  out[0] = ident
  out[1] = 1
  Buffer.from(ntResponse).copy(out, 26)
  return out
}

export function encodeMsChapV2Response(
  ident: number,
  peerChallenge: Uint8Array,
  ntResponse: Uint8Array,
): Buffer {
  const out = Buffer.alloc(50)
  out[0] = ident
  Buffer.from(peerChallenge).copy(out, 2)
  Buffer.from(ntResponse).copy(out, 26)
  return out
}
