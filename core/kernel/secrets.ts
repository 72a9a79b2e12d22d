import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { AppContext } from './context.ts'

/**
 * The instance key signs cookies and encrypts recoverable secrets (PPPoE passwords, router API
 * passwords, TOTP secrets). INSTANCE_KEY wins; otherwise one is generated once into DATA_DIR.
 */
export async function instanceKey(ctx: Pick<AppContext, 'config'>): Promise<string> {
  if (ctx.config.INSTANCE_KEY) return ctx.config.INSTANCE_KEY
  const dir = resolve(ctx.config.DATA_DIR)
  const file = join(dir, 'instance.key')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dir, { recursive: true })
  const key = randomBytes(32).toString('base64url')
  writeFileSync(file, key, { mode: 0o600, flag: 'wx' })
  return key
}

/** Derived keys by instance key: a RADIUS server unseals 100,000 passwords at start. */
const derived = new Map<string, Buffer>()

function aesKey(key: string): Buffer {
  let aes = derived.get(key)
  if (!aes) {
    aes = createHash('sha256').update(`uplink-secret:${key}`).digest()
    if (derived.size > 16) derived.clear()
    derived.set(key, aes)
  }
  return aes
}

/** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(key: string, plain: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', aesKey(key), iv)
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.')
}

export function decryptSecret(key: string, sealed: string): string {
  const [version, iv, tag, data] = sealed.split('.')
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not an encrypted secret')
  const decipher = createDecipheriv('aes-256-gcm', aesKey(key), Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')
}
