/**
 * The seller's logo, prepared once per thread for every document that prints it.
 *
 * pdfkit embeds a JPEG or an opaque PNG by copying its compressed bytes, but a PNG with an alpha
 * channel it inflates, unfilters in JavaScript and deflates twice again, for every document. Logos
 * are usually such PNGs, and the logo sits on the white page: flattening it onto white once gives
 * the same picture as an opaque PNG that every document then embeds by copying.
 */
import { createHash } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const out = Buffer.alloc(body.length + 8)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), body.length + 4)
  return out
}

/** An 8-bit PNG from raw rows (each row starting with its filter byte). */
export function encodePng(width: number, height: number, colorType: 2 | 6, rows: Buffer): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, colorType, 0, 0, 0], 8)
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

/**
 * An 8-bit non-interlaced RGBA or grey+alpha PNG flattened onto white, as an RGB PNG; null for any
 * other image (JPEG, opaque PNG, palette, 16-bit, interlaced), which pdfkit handles as it is.
 */
export function flattenPngOnWhite(bytes: Buffer): Buffer | null {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) return null
  const width = bytes.readUInt32BE(16)
  const height = bytes.readUInt32BE(20)
  const [depth, colorType, , , interlace] = bytes.subarray(24, 29)
  if (depth !== 8 || interlace !== 0 || (colorType !== 6 && colorType !== 4)) return null
  const idat: Buffer[] = []
  for (let pos = 8; pos + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(pos)
    const type = bytes.toString('latin1', pos + 4, pos + 8)
    if (type === 'IDAT') idat.push(bytes.subarray(pos + 8, pos + 8 + length))
    if (type === 'IEND') break
    pos += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const bpp = colorType === 6 ? 4 : 2
  const stride = width * bpp
  if (raw.length < height * (stride + 1)) return null
  const out = Buffer.alloc(height * (1 + width * 3))
  let prev = new Uint8Array(stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const cur = new Uint8Array(stride)
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0
      const b = prev[i]!
      const c = i >= bpp ? prev[i - bpp]! : 0
      const x = line[i]!
      cur[i] =
        (filter === 0
          ? x
          : filter === 1
            ? x + a
            : filter === 2
              ? x + b
              : filter === 3
                ? x + ((a + b) >> 1)
                : x + paeth(a, b, c)) & 0xff
    }
    const o = y * (1 + width * 3)
    for (let px = 0; px < width; px++) {
      const alpha = cur[px * bpp + bpp - 1]!
      for (let ch = 0; ch < 3; ch++) {
        const v = colorType === 6 ? cur[px * 4 + ch]! : cur[px * 2]!
        out[o + 1 + px * 3 + ch] = Math.round((v * alpha + 255 * (255 - alpha)) / 255)
      }
    }
    prev = cur
  }
  return encodePng(width, height, 2, out)
}

const prepared = new Map<string, Buffer>()
const PREPARED_MAX = 32

/** The logo as pdfkit should get it, from this thread's cache when it was seen before. */
export function preparedLogo(logo: Uint8Array): Buffer {
  const bytes = Buffer.from(logo.buffer, logo.byteOffset, logo.byteLength)
  const key = createHash('sha1').update(bytes).digest('hex')
  let image = prepared.get(key)
  if (!image) {
    image = flattenPngOnWhite(bytes) ?? Buffer.from(bytes)
    if (prepared.size >= PREPARED_MAX) prepared.clear()
    prepared.set(key, image)
  }
  return image
}
