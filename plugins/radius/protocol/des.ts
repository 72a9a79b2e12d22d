/**
 * Single-block DES encryption (FIPS 46-3) in plain TypeScript, for MS-CHAP's ChallengeResponse and the
 * LAN Manager hash. Node 20's OpenSSL 3 only offers DES through the legacy provider. Halves are 32-bit
 * integers and the S-boxes are folded with the P permutation into lookup tables.
 */

// Tables use FIPS 46's 1-based bit numbers, bit 1 being the most significant bit of the first byte.
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40,
  32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5,
  63, 55, 47, 39, 31, 23, 15, 7,
]
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13,
  53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26,
  33, 1, 41, 9, 49, 17, 57, 25,
]
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22,
  11, 4, 25,
]
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
]
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47,
  55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
]
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]
const S = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3,
    8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6,
    13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11,
    5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5,
    14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15,
    1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2,
    12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14,
    9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2,
    14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8,
    6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4,
    5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3,
    8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8,
    13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8,
    6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3,
    12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9,
    2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6,
    11,
  ],
]

/** Bit n (1-based, 1 = most significant) of a 64-bit value held as two unsigned 32-bit halves. */
const bit64 = (hi: number, lo: number, n: number): number => (n <= 32 ? hi >>> (32 - n) : lo >>> (64 - n)) & 1

function permute64(hi: number, lo: number, table: number[]): [number, number] {
  let outHi = 0
  let outLo = 0
  for (let i = 0; i < 32; i++) outHi = (outHi << 1) | bit64(hi, lo, table[i]!)
  for (let i = 32; i < 64; i++) outLo = (outLo << 1) | bit64(hi, lo, table[i]!)
  return [outHi >>> 0, outLo >>> 0]
}

// S-box and P permutation folded into one lookup per box: SP[box][6-bit input] -> 32-bit output.
const SP: Uint32Array[] = S.map((box, b) => {
  const table = new Uint32Array(64)
  for (let input = 0; input < 64; input++) {
    const row = ((input >> 4) & 2) | (input & 1)
    const col = (input >> 1) & 15
    const pre = box[row * 16 + col]! << (28 - b * 4)
    let out = 0
    for (let i = 0; i < 32; i++) out = (out << 1) | ((pre >>> (32 - P[i]!)) & 1)
    table[input] = out >>> 0
  }
  return table
})

const rotl32 = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0

/** The 16 round keys, each as eight 6-bit chunks (one per S-box). */
function subkeys(key: Uint8Array): Uint8Array[] {
  const kb = Buffer.from(key.buffer, key.byteOffset, 8)
  const hi = kb.readUInt32BE(0)
  const lo = kb.readUInt32BE(4)
  let c = 0
  let d = 0
  for (let i = 0; i < 28; i++) c = (c << 1) | bit64(hi, lo, PC1[i]!)
  for (let i = 28; i < 56; i++) d = (d << 1) | bit64(hi, lo, PC1[i]!)
  const keys: Uint8Array[] = []
  for (const shift of SHIFTS) {
    c = ((c << shift) | (c >>> (28 - shift))) & 0x0fffffff
    d = ((d << shift) | (d >>> (28 - shift))) & 0x0fffffff
    const k = new Uint8Array(8)
    for (let i = 0; i < 48; i++) {
      const n = PC2[i]!
      const b = n <= 28 ? (c >>> (28 - n)) & 1 : (d >>> (56 - n)) & 1
      k[(i / 6) | 0] = (k[(i / 6) | 0]! << 1) | b
    }
    keys.push(k)
  }
  return keys
}

function feistel(right: number, k: Uint8Array): number {
  let out = 0
  for (let box = 0; box < 8; box++) {
    // E expansion: box i reads bits 4i .. 4i+5 of R (1-based, bit 0 meaning bit 32).
    const chunk = (rotl32(right, (4 * box + 31) % 32) >>> 26) & 0x3f
    out |= SP[box]![chunk ^ k[box]!]!
  }
  return out >>> 0
}

/** Encrypts one 8-byte block with an 8-byte key (parity bits ignored). */
export function desEncryptBlock(key: Uint8Array, block: Uint8Array): Buffer {
  if (key.length !== 8 || block.length !== 8)
    throw new RangeError('DES needs an 8-byte key and an 8-byte block')
  const keys = subkeys(key)
  const input = Buffer.from(block.buffer, block.byteOffset, 8)
  let [left, right] = permute64(input.readUInt32BE(0), input.readUInt32BE(4), IP)
  for (const k of keys) {
    const next = (left ^ feistel(right, k)) >>> 0
    left = right
    right = next
  }
  const [hi, lo] = permute64(right, left, FP)
  const out = Buffer.alloc(8)
  out.writeUInt32BE(hi, 0)
  out.writeUInt32BE(lo, 4)
  return out
}

/** Spreads a 56-bit key (7 bytes) over 8 bytes, seven key bits each, the low (parity) bit left zero. */
export function expandDesKey(key7: Uint8Array): Buffer {
  if (key7.length !== 7) throw new RangeError('a 56-bit DES key is 7 bytes')
  const out = Buffer.alloc(8)
  for (let i = 0; i < 56; i++) {
    const b = (key7[i >> 3]! >> (7 - (i & 7))) & 1
    out[(i / 7) | 0] = out[(i / 7) | 0]! | (b << (7 - (i % 7)))
  }
  return out
}

/** RFC 2759 DesEncrypt(Clear, Key): DES with a 7-byte key. */
export function desEncrypt7(key7: Uint8Array, block: Uint8Array): Buffer {
  return desEncryptBlock(expandDesKey(key7), block)
}
