/**
 * User-Password hiding (RFC 2865 5.2): the password, NUL-padded to a multiple of 16 bytes, XORed with
 * the chain MD5(secret + Request Authenticator), MD5(secret + previous cipher block), ...
 */
import { md5 } from './md5.ts'

export const MAX_PASSWORD_LENGTH = 128

function crypt(input: Uint8Array, secret: Uint8Array, authenticator: Uint8Array, decrypt: boolean): Buffer {
  const out = Buffer.allocUnsafe(input.length) // every byte is written below
  let previous: Uint8Array = authenticator
  for (let i = 0; i < input.length; i += 16) {
    const b = md5(secret, previous)
    for (let j = 0; j < 16; j++) out[i + j] = input[i + j]! ^ b[j]!
    previous = decrypt ? input.subarray(i, i + 16) : out.subarray(i, i + 16)
  }
  return out
}

/** Hides a value (a password, or MS-CHAP-MPPE-Keys) the User-Password way. */
export function encryptUserPassword(
  plain: Uint8Array,
  secret: Uint8Array,
  authenticator: Uint8Array,
): Buffer {
  if (plain.length > MAX_PASSWORD_LENGTH) throw new RangeError('User-Password is at most 128 bytes')
  const padded = Buffer.alloc(Math.max(16, Math.ceil(plain.length / 16) * 16))
  Buffer.from(plain).copy(padded)
  return crypt(padded, secret, authenticator, false)
}

/** Reveals the padded plaintext, or null when the attribute's length is not 16..128 in steps of 16. */
export function decryptUserPassword(
  value: Uint8Array,
  secret: Uint8Array,
  authenticator: Uint8Array,
): Buffer | null {
  if (value.length < 16 || value.length > MAX_PASSWORD_LENGTH || value.length % 16 !== 0) return null
  return crypt(value, secret, authenticator, true)
}

/** The password a PAP request carries, without its NUL padding. */
export function papPassword(value: Uint8Array, secret: Uint8Array, authenticator: Uint8Array): Buffer | null {
  const plain = decryptUserPassword(value, secret, authenticator)
  if (!plain) return null
  let end = plain.length
  while (end > 0 && plain[end - 1] === 0) end--
  return plain.subarray(0, end)
}
