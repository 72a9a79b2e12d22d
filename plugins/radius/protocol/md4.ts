/**
 * MD4 (RFC 1320) in plain TypeScript. MS-CHAP needs it for NtPasswordHash, and Node 20's OpenSSL 3
 * refuses `createHash('md4')` unless the process runs with the legacy provider.
 */

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n))

function pad(input: Uint8Array): DataView {
  const bitLength = input.length * 8
  const padded = new Uint8Array((((input.length + 8) >>> 6) + 1) * 64)
  padded.set(input)
  padded[input.length] = 0x80
  const view = new DataView(padded.buffer)
  // Length in bits, 64-bit little-endian (inputs here are far below 2^32 bytes).
  view.setUint32(padded.length - 8, bitLength >>> 0, true)
  view.setUint32(padded.length - 4, Math.floor(bitLength / 0x100000000), true)
  return view
}

export function md4(input: Uint8Array): Buffer {
  const view = pad(input)
  let a = 0x67452301
  let b = 0xefcdab89
  let c = 0x98badcfe
  let d = 0x10325476
  const x = new Array<number>(16)

  for (let block = 0; block < view.byteLength; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getUint32(block + i * 4, true)
    const aa = a
    const bb = b
    const cc = c
    const dd = d
    const f = (p: number, q: number, r: number) => (p & q) | (~p & r)
    const g = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r)
    const h = (p: number, q: number, r: number) => p ^ q ^ r

    for (const k of [0, 4, 8, 12]) {
      a = rotl((a + f(b, c, d) + x[k]!) | 0, 3)
      d = rotl((d + f(a, b, c) + x[k + 1]!) | 0, 7)
      c = rotl((c + f(d, a, b) + x[k + 2]!) | 0, 11)
      b = rotl((b + f(c, d, a) + x[k + 3]!) | 0, 19)
    }
    for (const k of [0, 1, 2, 3]) {
      a = rotl((a + g(b, c, d) + x[k]! + 0x5a827999) | 0, 3)
      d = rotl((d + g(a, b, c) + x[k + 4]! + 0x5a827999) | 0, 5)
      c = rotl((c + g(d, a, b) + x[k + 8]! + 0x5a827999) | 0, 9)
      b = rotl((b + g(c, d, a) + x[k + 12]! + 0x5a827999) | 0, 13)
    }
    for (const k of [0, 2, 1, 3]) {
      a = rotl((a + h(b, c, d) + x[k]! + 0x6ed9eba1) | 0, 3)
      d = rotl((d + h(a, b, c) + x[k + 8]! + 0x6ed9eba1) | 0, 9)
      c = rotl((c + h(d, a, b) + x[k + 4]! + 0x6ed9eba1) | 0, 11)
      b = rotl((b + h(c, d, a) + x[k + 12]! + 0x6ed9eba1) | 0, 15)
    }
    a = (a + aa) | 0
    b = (b + bb) | 0
    c = (c + cc) | 0
    d = (d + dd) | 0
  }

  const out = Buffer.alloc(16)
  out.writeInt32LE(a, 0)
  out.writeInt32LE(b, 4)
  out.writeInt32LE(c, 8)
  out.writeInt32LE(d, 12)
  return out
}
