import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'

export interface HashCost {
  memoryCost?: number
  timeCost?: number
  parallelism?: number
}
let cost: HashCost = {}

/**
 * Test suites only: cheaper hashes for the many accounts they create (the library's defaults cost about
 * 220 ms of CPU a hash on a 2-core VM). A hash records its own parameters, so verifying follows them.
 */
export function setPasswordHashCost(next: HashCost): void {
  cost = { ...next }
}

/** argon2id with the library's defaults: 64 MiB, three passes, four lanes. */
export function hashPassword(plain: string): Promise<string> {
  return argon2.hash(plain, { type: argon2.argon2id, ...cost })
}

export async function verifyPassword(hash: string, plain: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, plain)
  } catch {
    return false
  }
}

/** A hash of nothing anyone can type, verified against when the login is unknown so timing does not tell. */
let decoy: Promise<string> | null = null
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'))
  return decoy
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'

/** A random password from an unambiguous alphabet (20 characters, about 116 bits). */
export function generatePassword(length = 20): string {
  const bytes = randomBytes(length * 2)
  let out = ''
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i]!
    // Reject bytes that would bias the modulo.
    if (b < 256 - (256 % ALPHABET.length)) out += ALPHABET[b % ALPHABET.length]
  }
  return out.length === length ? out : generatePassword(length)
}

export const MIN_PASSWORD_LENGTH = 10

/** Reason a new password is refused, or null when it is acceptable. */
export function passwordProblem(plain: string, login?: string): string | null {
  if (plain.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`
  if (plain.length > 200) return 'must be at most 200 characters'
  if (login && plain.toLowerCase().includes(login.toLowerCase())) return 'must not contain the login'
  if (new Set(plain).size < 4) return 'is too simple'
  return null
}
