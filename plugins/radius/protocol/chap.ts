/**
 * CHAP (RFC 1994 via RFC 2865 2.2): CHAP-Password is the CHAP ident followed by
 * MD5(ident + password + challenge); the challenge is CHAP-Challenge or, without it, the Request
 * Authenticator.
 */
import { md5 } from './md5.ts'
import { sameBytes } from './mschap.ts'

export function chapResponse(ident: number, password: Uint8Array, challenge: Uint8Array): Buffer {
  return md5(Buffer.of(ident), password, challenge)
}

/** The CHAP-Password attribute value a client sends. */
export function encodeChapPassword(ident: number, password: Uint8Array, challenge: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(ident), chapResponse(ident, password, challenge)])
}

export function verifyChapPassword(
  chapPassword: Uint8Array,
  password: Uint8Array,
  challenge: Uint8Array,
): boolean {
  if (chapPassword.length !== 17) return false
  const expected = chapResponse(chapPassword[0]!, password, challenge)
  return sameBytes(expected, chapPassword.subarray(1))
}
