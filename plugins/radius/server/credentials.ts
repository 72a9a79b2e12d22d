/**
 * Reads the credentials an Access-Request carries (PAP, CHAP, MS-CHAPv1, MS-CHAPv2) and checks a
 * cleartext password against them.
 */
import { verifyChapPassword } from '../protocol/chap.ts'
import { Attr, MsAttr, Vendor } from '../protocol/codes.ts'
import {
  challengeResponse,
  generateNtResponse,
  lmPasswordHash,
  ntPasswordHash,
  parseMsChapV1Response,
  parseMsChapV2Response,
  sameBytes,
} from '../protocol/mschap.ts'
import { findAttribute, findVendorAttribute, type RadiusPacket } from '../protocol/packet.ts'
import { papPassword } from '../protocol/pap.ts'
import type { AuthMethod } from './types.ts'

export type Credentials =
  | { method: 'pap'; password: Buffer }
  | { method: 'chap'; chapPassword: Buffer; challenge: Buffer }
  | { method: 'mschap'; challenge: Buffer; ident: number; ntResponse: Buffer }
  | { method: 'mschapv2'; authChallenge: Buffer; ident: number; peerChallenge: Buffer; ntResponse: Buffer }
  | { method: 'none' }
  | { method: 'malformed'; claimed: AuthMethod }

/** What a successful MS-CHAP check yields: enough to build MS-CHAP2-Success and the MPPE keys. */
export type MsChapProof =
  | { version: 1; ident: number; passwordHash: Buffer; lmHash: Buffer | null }
  | {
      version: 2
      ident: number
      passwordHash: Buffer
      ntResponse: Buffer
      peerChallenge: Buffer
      authChallenge: Buffer
      userName: string
    }

export function readCredentials(packet: RadiusPacket, secret: Buffer): Credentials {
  const userPassword = findAttribute(packet, Attr.UserPassword)
  if (userPassword) {
    const password = papPassword(userPassword, secret, packet.authenticator)
    return password ? { method: 'pap', password } : { method: 'malformed', claimed: 'pap' }
  }
  const chapPassword = findAttribute(packet, Attr.ChapPassword)
  if (chapPassword) {
    if (chapPassword.length !== 17) return { method: 'malformed', claimed: 'chap' }
    const challenge = findAttribute(packet, Attr.ChapChallenge) ?? packet.authenticator
    if (challenge.length === 0) return { method: 'malformed', claimed: 'chap' }
    return { method: 'chap', chapPassword, challenge }
  }
  const msChallenge = findVendorAttribute(packet, Vendor.Microsoft, MsAttr.ChapChallenge)
  const v2 = findVendorAttribute(packet, Vendor.Microsoft, MsAttr.Chap2Response)
  if (v2) {
    const parsed = parseMsChapV2Response(v2)
    if (!parsed || msChallenge?.length !== 16) return { method: 'malformed', claimed: 'mschapv2' }
    return { method: 'mschapv2', authChallenge: msChallenge, ...parsed }
  }
  const v1 = findVendorAttribute(packet, Vendor.Microsoft, MsAttr.ChapResponse)
  if (v1) {
    const parsed = parseMsChapV1Response(v1)
    // Only the NT-Response is accepted: LM-only responses are broken by design.
    if (!parsed?.useNtResponse || msChallenge?.length !== 8) return { method: 'malformed', claimed: 'mschap' }
    return { method: 'mschap', challenge: msChallenge, ident: parsed.ident, ntResponse: parsed.ntResponse }
  }
  return { method: 'none' }
}

export function methodOf(credentials: Credentials): AuthMethod {
  return credentials.method === 'malformed' ? credentials.claimed : credentials.method
}

export function verifyPassword(
  credentials: Credentials,
  userName: string,
  password: string,
): { ok: true; proof?: MsChapProof } | { ok: false } {
  const pw = Buffer.from(password, 'utf8')
  switch (credentials.method) {
    case 'pap':
      return { ok: sameBytes(credentials.password, pw) }
    case 'chap':
      return { ok: verifyChapPassword(credentials.chapPassword, pw, credentials.challenge) }
    case 'mschap': {
      const passwordHash = ntPasswordHash(password)
      if (!sameBytes(challengeResponse(credentials.challenge, passwordHash), credentials.ntResponse))
        return { ok: false }
      return {
        ok: true,
        proof: { version: 1, ident: credentials.ident, passwordHash, lmHash: lmPasswordHash(password) },
      }
    }
    case 'mschapv2': {
      const passwordHash = ntPasswordHash(password)
      const expected = generateNtResponse(
        credentials.authChallenge,
        credentials.peerChallenge,
        userName,
        passwordHash,
      )
      if (!sameBytes(expected, credentials.ntResponse)) return { ok: false }
      return {
        ok: true,
        proof: {
          version: 2,
          ident: credentials.ident,
          passwordHash,
          ntResponse: credentials.ntResponse,
          peerChallenge: credentials.peerChallenge,
          authChallenge: credentials.authChallenge,
          userName,
        },
      }
    }
    default:
      return { ok: false }
  }
}
