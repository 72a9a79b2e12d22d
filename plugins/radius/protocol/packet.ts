/**
 * Strict RADIUS packet decoder. It never throws: every datagram comes back either as a parsed packet or
 * as a typed reason for dropping it (RFC 2865 section 3 and 5).
 */
import { HEADER_LENGTH, isKnownCode, MAX_PACKET_LENGTH, Attr } from './codes.ts'

export interface RadiusAttribute {
  type: number
  value: Buffer
}

export interface VendorAttribute {
  vendorId: number
  type: number
  value: Buffer
}

export interface RadiusPacket {
  code: number
  identifier: number
  authenticator: Buffer
  attributes: RadiusAttribute[]
  /** Sub-attributes of Vendor-Specific attributes in the common type/length/value layout (RFC 2865 5.26). */
  vendorAttributes: VendorAttribute[]
  /** The packet's bytes up to its Length field (padding removed). */
  raw: Buffer
}

export type DropReason =
  | 'too-short'
  | 'bad-length'
  | 'truncated'
  | 'unknown-code'
  | 'attribute-too-short'
  | 'attribute-overrun'

export type DecodeResult = { ok: true; packet: RadiusPacket } | { ok: false; reason: DropReason }

export function decodePacket(datagram: Buffer): DecodeResult {
  if (datagram.length < HEADER_LENGTH) return { ok: false, reason: 'too-short' }
  const length = datagram.readUInt16BE(2)
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH) return { ok: false, reason: 'bad-length' }
  // RFC 2865 3: octets past Length are padding; a datagram shorter than Length is discarded.
  if (datagram.length < length) return { ok: false, reason: 'truncated' }
  const code = datagram[0]!
  if (!isKnownCode(code)) return { ok: false, reason: 'unknown-code' }
  // A received datagram is a buffer of its own: no copy needed, only the padding cut off.
  const raw = datagram.length === length ? datagram : datagram.subarray(0, length)

  const attributes: RadiusAttribute[] = []
  const vendorAttributes: VendorAttribute[] = []
  let offset = HEADER_LENGTH
  while (offset < length) {
    if (offset + 2 > length) return { ok: false, reason: 'attribute-overrun' }
    const type = raw[offset]!
    const attrLength = raw[offset + 1]!
    if (attrLength < 2) return { ok: false, reason: 'attribute-too-short' }
    if (offset + attrLength > length) return { ok: false, reason: 'attribute-overrun' }
    const value = raw.subarray(offset + 2, offset + attrLength)
    attributes.push({ type, value })
    if (type === Attr.VendorSpecific) collectVendorAttributes(value, vendorAttributes)
    offset += attrLength
  }
  return {
    ok: true,
    packet: {
      code,
      identifier: raw[1]!,
      authenticator: raw.subarray(4, 20),
      attributes,
      vendorAttributes,
      raw,
    },
  }
}

/**
 * Vendors may use their own layouts inside Vendor-Specific, so one that is not well-formed
 * type/length/value is kept as an opaque attribute rather than failing the packet.
 */
function collectVendorAttributes(value: Buffer, out: VendorAttribute[]): void {
  if (value.length < 4) return
  const vendorId = value.readUInt32BE(0)
  const found: VendorAttribute[] = []
  let offset = 4
  while (offset < value.length) {
    if (offset + 2 > value.length) return
    const type = value[offset]!
    const len = value[offset + 1]!
    if (len < 2 || offset + len > value.length) return
    found.push({ vendorId, type, value: value.subarray(offset + 2, offset + len) })
    offset += len
  }
  out.push(...found)
}

export function findAttribute(packet: RadiusPacket, type: number): Buffer | undefined {
  for (const a of packet.attributes) if (a.type === type) return a.value
  return undefined
}

export function countAttribute(packet: RadiusPacket, type: number): number {
  let n = 0
  for (const a of packet.attributes) if (a.type === type) n++
  return n
}

export function findVendorAttribute(
  packet: RadiusPacket,
  vendorId: number,
  type: number,
): Buffer | undefined {
  for (const a of packet.vendorAttributes) if (a.vendorId === vendorId && a.type === type) return a.value
  return undefined
}
