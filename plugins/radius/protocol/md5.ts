/**
 * MD5 and HMAC-MD5 (RFC 1321, RFC 2104) for the per-packet work: authenticators, Message-Authenticator,
 * User-Password hiding. createHash()/createHmac() make a native object per call that V8 can only free
 * through a weak handle; at 10,000 Access-Requests a second (three or four digests each) processing
 * those handles made every young-generation collection about 8 ms longer, which was most of the p99.
 * crypto.hash() is one call that leaves nothing behind; the parts are joined in a reused buffer.
 */
import { hash } from 'node:crypto'

const BLOCK = 64
let scratch = Buffer.allocUnsafe(8192)

function room(length: number): Buffer {
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2))
  return scratch
}

// As a latin1 string turned into a Buffer from Node's shared pool: a 'buffer' digest would be a new
// ArrayBuffer each, and freeing thousands a second shows up in every young-generation collection too.
const digest = (length: number): Buffer =>
  Buffer.from(hash('md5', scratch.subarray(0, length), 'latin1'), 'latin1')

/** MD5 of the parts, one after another. */
export function md5(...parts: Uint8Array[]): Buffer {
  let length = 0
  for (const p of parts) length += p.length
  const buf = room(length)
  let at = 0
  for (const p of parts) {
    buf.set(p, at)
    at += p.length
  }
  return digest(length)
}

/** HMAC-MD5 of `data` keyed by `key`. */
export function hmacMd5(key: Uint8Array, data: Uint8Array): Buffer {
  const k = key.length > BLOCK ? md5(key) : key
  const buf = room(BLOCK + Math.max(data.length, 16))
  for (let i = 0; i < BLOCK; i++) buf[i] = (i < k.length ? k[i]! : 0) ^ 0x36
  buf.set(data, BLOCK)
  const inner = digest(BLOCK + data.length)
  for (let i = 0; i < BLOCK; i++) buf[i] = (i < k.length ? k[i]! : 0) ^ 0x5c
  buf.set(inner, BLOCK)
  return digest(BLOCK + 16)
}
