/**
 * Packet framing and signing: attribute bytes in, a signed datagram out. Message-Authenticator goes
 * first in the attribute list (the BlastRADIUS mitigation for replies) and is computed before the
 * Request/Response Authenticator that covers it.
 */
import { randomBytes } from 'node:crypto'
import { Attr, Code, HEADER_LENGTH, MAX_PACKET_LENGTH } from './codes.ts'
import { macOverZeroAuthenticator, md5WithSecret, usesHashedRequestAuthenticator } from './authenticators.ts'
import { hmacMd5 } from './md5.ts'

export class PacketTooLargeError extends Error {
  constructor(length: number) {
    super(`RADIUS packet of ${length} bytes exceeds ${MAX_PACKET_LENGTH}`)
    this.name = 'PacketTooLargeError'
  }
}

export function encodeAttribute(type: number, value: Uint8Array): Buffer {
  if (value.length > 253)
    throw new RangeError(`attribute ${type} value is ${value.length} bytes, at most 253`)
  return Buffer.concat([Buffer.of(type, value.length + 2), value])
}

export function encodeVendorAttribute(vendorId: number, type: number, value: Uint8Array): Buffer {
  if (value.length > 247) throw new RangeError(`vendor attribute ${vendorId}/${type} value is too long`)
  const vsa = Buffer.alloc(6 + 2 + value.length)
  vsa[0] = Attr.VendorSpecific
  vsa[1] = vsa.length
  vsa.writeUInt32BE(vendorId, 2)
  vsa[6] = type
  vsa[7] = value.length + 2
  Buffer.from(value).copy(vsa, 8)
  return vsa
}

export const encodeString = (type: number, value: string): Buffer =>
  encodeAttribute(type, Buffer.from(value, 'utf8'))

export function encodeInteger(type: number, value: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(value >>> 0)
  return encodeAttribute(type, b)
}

export interface BuildPacketInput {
  code: number
  identifier: number
  /** Encoded attributes (without Message-Authenticator, which `messageAuthenticator` adds). */
  attributes: Uint8Array
  secret: Uint8Array
  messageAuthenticator: boolean
  /** For replies: the authenticator of the request being answered. For Access-Request: its random one. */
  authenticator?: Uint8Array
  /** Compute Message-Authenticator over the request's authenticator even for an Accounting-Response (RFC 5997 Status-Server). */
  macOverRequestAuthenticator?: boolean
}

export function buildPacket(input: BuildPacketInput): Buffer {
  const maLength = input.messageAuthenticator ? 18 : 0
  const length = HEADER_LENGTH + maLength + input.attributes.length
  if (length > MAX_PACKET_LENGTH) throw new PacketTooLargeError(length)
  // From the shared pool: a reply is kept for retransmissions, and thousands of small buffers of their
  // own are a cost for the garbage collector. Every byte is written below (header and
  // Message-Authenticator zeroed here, attributes copied in).
  const packet = Buffer.allocUnsafe(length)
  packet.fill(0, 0, HEADER_LENGTH + maLength)
  packet[0] = input.code
  packet[1] = input.identifier & 0xff
  packet.writeUInt16BE(length, 2)
  const hashed = usesHashedRequestAuthenticator(input.code)
  const randomAuth = input.code === Code.AccessRequest || input.code === Code.StatusServer
  let auth: Uint8Array | undefined
  if (!hashed) {
    auth = input.authenticator ?? (randomAuth ? randomBytes(16) : undefined)
    if (auth?.length !== 16) throw new RangeError('a 16-byte authenticator is required')
  }
  if (input.messageAuthenticator) {
    packet[HEADER_LENGTH] = Attr.MessageAuthenticator
    packet[HEADER_LENGTH + 1] = 18
  }
  packet.set(input.attributes, HEADER_LENGTH + maLength)
  // The HMAC sees a zero authenticator field for requests hashed with the secret and their replies.
  if (auth && (input.macOverRequestAuthenticator || !macOverZeroAuthenticator(input.code)))
    packet.set(auth, 4)
  if (input.messageAuthenticator) packet.set(hmacMd5(input.secret, packet), HEADER_LENGTH + 2)
  if (auth) packet.set(auth, 4)
  if (hashed || !randomAuth) packet.set(md5WithSecret(packet, input.secret), 4)
  return packet
}
