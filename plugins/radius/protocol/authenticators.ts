/**
 * Packet authenticators: the Response Authenticator (RFC 2865 3), the Request Authenticator of
 * Accounting-, CoA- and Disconnect-Requests (RFC 2866 3, RFC 5176 3.5), and Message-Authenticator
 * (RFC 3579 3.2, RFC 2869 5.14).
 */
import { Attr, Code, HEADER_LENGTH } from './codes.ts'
import { hmacMd5, md5 } from './md5.ts'
import { sameBytes } from './mschap.ts'

const ZERO16 = Buffer.alloc(16)

/** Codes whose Request Authenticator is MD5(packet with a zero authenticator + secret). */
export function usesHashedRequestAuthenticator(code: number): boolean {
  return code === Code.AccountingRequest || code === Code.CoaRequest || code === Code.DisconnectRequest
}

export function isResponseCode(code: number): boolean {
  return (
    code === Code.AccessAccept ||
    code === Code.AccessReject ||
    code === Code.AccessChallenge ||
    code === Code.AccountingResponse ||
    code === Code.CoaAck ||
    code === Code.CoaNak ||
    code === Code.DisconnectAck ||
    code === Code.DisconnectNak
  )
}

/**
 * Codes whose Message-Authenticator is computed over a zeroed authenticator field: the requests above
 * and, as FreeRADIUS computes and checks them, their replies (Accounting-Response, CoA/Disconnect ACK
 * and NAK). Access-* replies use the Request Authenticator (RFC 3579 3.2).
 */
export function macOverZeroAuthenticator(code: number): boolean {
  return (
    usesHashedRequestAuthenticator(code) ||
    code === Code.AccountingResponse ||
    code === Code.CoaAck ||
    code === Code.CoaNak ||
    code === Code.DisconnectAck ||
    code === Code.DisconnectNak
  )
}

/** MD5(Code + Identifier + Length + <authenticator in the buffer> + Attributes + Secret). */
export function md5WithSecret(packet: Uint8Array, secret: Uint8Array): Buffer {
  return md5(packet, secret)
}

/** Checks the Request Authenticator of an Accounting-, CoA- or Disconnect-Request. */
export function verifyHashedRequestAuthenticator(raw: Buffer, secret: Uint8Array): boolean {
  if (raw.length < HEADER_LENGTH) return false
  const digest = md5(raw.subarray(0, 4), ZERO16, raw.subarray(HEADER_LENGTH), secret)
  return sameBytes(digest, raw.subarray(4, 20))
}

/** Checks a reply's Response Authenticator against the request it answers. */
export function verifyResponseAuthenticator(
  reply: Buffer,
  requestAuthenticator: Uint8Array,
  secret: Uint8Array,
): boolean {
  if (reply.length < HEADER_LENGTH) return false
  const copy = Buffer.from(reply)
  Buffer.from(requestAuthenticator).copy(copy, 4)
  return sameBytes(md5WithSecret(copy, secret), reply.subarray(4, 20))
}

/** Offsets of every Message-Authenticator value in a well-formed packet. */
function messageAuthenticatorOffsets(raw: Buffer): number[] {
  const offsets: number[] = []
  let offset = HEADER_LENGTH
  while (offset + 2 <= raw.length) {
    const len = raw[offset + 1]!
    if (len < 2) break
    if (raw[offset] === Attr.MessageAuthenticator) offsets.push(offset + 2)
    offset += len
  }
  return offsets
}

export type MessageAuthenticatorCheck = 'absent' | 'valid' | 'invalid'

/**
 * Verifies Message-Authenticator: HMAC-MD5 keyed by the secret over the packet with the attribute's value
 * zeroed. The authenticator field holds the Request Authenticator for Access-Requests and Access-* replies
 * (`requestAuthenticator` for replies) and zeros for Accounting/CoA/Disconnect requests. Accounting and
 * CoA/Disconnect replies are accepted under either convention, since RFC 5176 and FreeRADIUS differ.
 */
export function checkMessageAuthenticator(
  raw: Buffer,
  secret: Uint8Array,
  requestAuthenticator?: Uint8Array,
): MessageAuthenticatorCheck {
  const offsets = messageAuthenticatorOffsets(raw)
  if (offsets.length === 0) return 'absent'
  const offset = offsets[0]!
  // RFC 3579 3.2: at most one; its length is exactly 18.
  if (offsets.length > 1 || raw[offset - 1] !== 18) return 'invalid'
  const copy = Buffer.from(raw)
  const received = raw.subarray(offset, offset + 16)
  ZERO16.copy(copy, offset)
  const code = raw[0]!
  const candidates: (Uint8Array | undefined)[] = usesHashedRequestAuthenticator(code)
    ? [ZERO16]
    : macOverZeroAuthenticator(code)
      ? [ZERO16, requestAuthenticator]
      : [requestAuthenticator ?? raw.subarray(4, 20)]
  for (const auth of candidates) {
    if (!auth) continue
    copy.set(auth, 4)
    if (sameBytes(hmacMd5(secret, copy), received)) return 'valid'
  }
  return 'invalid'
}
