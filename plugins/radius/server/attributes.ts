/** Typed reads of standard attributes from a decoded packet. */
import type { RadiusPacket } from '../protocol/packet.ts'
import { findAttribute } from '../protocol/packet.ts'

export function stringAttr(packet: RadiusPacket, type: number): string | undefined {
  const v = findAttribute(packet, type)
  return v === undefined ? undefined : v.toString('utf8')
}

export function integerAttr(packet: RadiusPacket, type: number): number | undefined {
  const v = findAttribute(packet, type)
  return v?.length === 4 ? v.readUInt32BE(0) : undefined
}

export function ipv4Attr(packet: RadiusPacket, type: number): string | undefined {
  const v = findAttribute(packet, type)
  return v?.length === 4 ? `${v[0]}.${v[1]}.${v[2]}.${v[3]}` : undefined
}
