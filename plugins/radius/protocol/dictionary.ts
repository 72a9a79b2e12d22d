/**
 * Attribute names and values through the `radius` npm package with our MikroTik and Microsoft
 * dictionaries added. The package is sound at turning names into bytes and bytes into names once a
 * packet is well-formed; framing, authenticators and secrets are handled by this plugin's own code
 * (the package compares digests as UTF-8 strings and signs request MACs in the wrong order).
 */
import { fileURLToPath } from 'node:url'
import radius from 'radius'
import { Attr, HEADER_LENGTH, Vendor } from './codes.ts'
import type { RadiusPacket } from './packet.ts'

const DICTIONARY_DIR = fileURLToPath(new URL('../dictionaries/', import.meta.url))
const VENDORS: { name: string; id: number }[] = [
  { name: 'Mikrotik', id: Vendor.Mikrotik },
  { name: 'Microsoft', id: Vendor.Microsoft },
]

let ready = false
/** Loads the dictionaries (idempotent); the server calls it at start so a broken file fails early. */
export function ensureDictionaries(): void {
  if (ready) return
  for (const v of VENDORS) radius.add_dictionary(`${DICTIONARY_DIR}dictionary.${v.name.toLowerCase()}`)
  // Someone may have loaded the package's dictionaries before ours were added: reload with ours.
  radius.unload_dictionaries()
  radius.load_dictionaries()
  ready = true
}

/** One reply/request attribute by dictionary name, e.g. { name: 'Mikrotik-Rate-Limit', value: '10M/20M' }. */
export interface NamedAttribute {
  name: string
  /** Text, integer (or an enum name such as 'Framed-User'), IPv4 as dotted quad, Date for date types, raw bytes. */
  value: string | number | Buffer | Date
}

export class UnknownAttributeError extends Error {
  constructor(
    readonly attribute: string,
    detail: string,
  ) {
    super(`attribute ${attribute}: ${detail}`)
    this.name = 'UnknownAttributeError'
  }
}

/** Where a name lives: the standard space or a vendor's. */
export function lookupAttribute(
  name: string,
): { vendor?: { name: string; id: number }; id: number } | undefined {
  ensureDictionaries()
  const id = radius.attr_name_to_id(name)
  if (id !== undefined) return { id: Number(id) }
  for (const vendor of VENDORS) {
    const vid = radius.attr_name_to_id(name, vendor.id)
    if (vid !== undefined) return { vendor, id: Number(vid) }
  }
  return undefined
}

// Reply attributes repeat (rate limits, address lists, timeouts): encoded bytes are cached by value.
const encodedCache = new Map<string, Buffer>()
const ENCODED_CACHE_LIMIT = 10_000

/** Encodes named attributes to wire bytes; each vendor attribute gets its own Vendor-Specific. */
export function encodeNamedAttributes(attributes: NamedAttribute[]): Buffer {
  ensureDictionaries()
  const parts: Buffer[] = []
  for (const attr of attributes) {
    const cacheKey =
      typeof attr.value === 'string' || typeof attr.value === 'number'
        ? `${attr.name}\0${typeof attr.value}\0${attr.value}`
        : undefined
    const cached = cacheKey === undefined ? undefined : encodedCache.get(cacheKey)
    if (cached) {
      parts.push(cached)
      continue
    }
    const where = lookupAttribute(attr.name)
    if (!where) throw new UnknownAttributeError(attr.name, 'not in the dictionaries')
    const list = where.vendor
      ? [['Vendor-Specific', where.vendor.name, [[attr.name, attr.value]]]]
      : [[attr.name, attr.value]]
    let bytes: Buffer
    try {
      bytes = radius
        .encode({ code: 'Access-Accept', identifier: 0, secret: '-', attributes: list })
        .subarray(HEADER_LENGTH)
    } catch (err) {
      throw new UnknownAttributeError(
        attr.name,
        `cannot encode ${JSON.stringify(String(attr.value))}: ${(err as Error).message}`,
      )
    }
    if (bytes.length === 0) throw new UnknownAttributeError(attr.name, 'empty value')
    const copy = Buffer.from(bytes)
    if (cacheKey !== undefined) {
      if (encodedCache.size >= ENCODED_CACHE_LIMIT) encodedCache.clear()
      encodedCache.set(cacheKey, copy)
    }
    parts.push(copy)
  }
  return Buffer.concat(parts)
}

function rebuild(packet: RadiusPacket, attributes: Buffer[]): Buffer {
  const body = Buffer.concat(attributes)
  const header = Buffer.alloc(HEADER_LENGTH)
  header[0] = packet.code
  header[1] = packet.identifier
  header.writeUInt16BE(HEADER_LENGTH + body.length, 2)
  packet.authenticator.copy(header, 4)
  return Buffer.concat([header, body])
}

function isWellFormedVsa(value: Buffer): boolean {
  if (value.length < 6 || value[0] !== 0) return false
  let offset = 4
  while (offset < value.length) {
    const len = value[offset + 1]
    if (len === undefined || len < 2 || offset + len > value.length) return false
    offset += len
  }
  return true
}

/**
 * Attribute values by dictionary name (vendor attributes under 'Vendor-Specific'), for records and logs.
 * Only packets that passed decodePacket come here; vendor attributes the package would misparse are left
 * out, and if the package still throws, attributes are decoded one by one and the bad ones skipped.
 * Hidden values (User-Password) come back as null.
 */
export function namedAttributes(packet: RadiusPacket): Record<string, unknown> {
  ensureDictionaries()
  const kept: Buffer[] = []
  for (const a of packet.attributes) {
    if (a.type === Attr.VendorSpecific && !isWellFormedVsa(a.value)) continue
    kept.push(Buffer.concat([Buffer.of(a.type, a.value.length + 2), a.value]))
  }
  try {
    return radius.decode({ packet: rebuild(packet, kept), no_secret: true }).attributes
  } catch {
    const out: Record<string, unknown> = {}
    for (const one of kept) {
      try {
        const attrs = radius.decode({ packet: rebuild(packet, [one]), no_secret: true }).attributes
        for (const [k, v] of Object.entries(attrs)) {
          if (k === 'Vendor-Specific' && typeof out[k] === 'object' && out[k] !== null)
            Object.assign(out[k], v)
          else if (k in out) out[k] = ([] as unknown[]).concat(out[k], v)
          else out[k] = v
        }
      } catch {
        // A value that does not fit its dictionary type (e.g. a 3-byte integer): left out.
      }
    }
    return out
  }
}
