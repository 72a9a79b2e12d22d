import { eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { clearFailures, lockedUntil, recordFailure } from './lockout.ts'
import { decoyHash, verifyPassword } from './passwords.ts'
import { admins } from './schema.ts'

export type LoginResult =
  | { ok: true; adminId: number; login: string; hasTotp: boolean }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }

/**
 * Checks a login and password. Unknown logins, inactive admins and wrong passwords all answer
 * 'invalid' and all count toward the lockout, so the answer tells nothing about which logins exist.
 */
export async function checkPassword(
  db: DbOrTx,
  login: string,
  password: string,
  now: Date,
): Promise<LoginResult> {
  const until = await lockedUntil(db, login, now)
  if (until) return { ok: false, reason: 'locked', until }
  const [admin] = await db
    .select({
      id: admins.id,
      login: admins.login,
      hash: admins.passwordHash,
      active: admins.active,
      totp: admins.totpSecret,
    })
    .from(admins)
    .where(sql`lower(${admins.login}) = lower(${login.trim()})`)
  const valid = await verifyPassword(admin?.hash ?? (await decoyHash()), password)
  if (!admin || !valid || !admin.active) {
    const lock = await recordFailure(db, login, now)
    return lock ? { ok: false, reason: 'locked', until: lock } : { ok: false, reason: 'invalid' }
  }
  await clearFailures(db, login)
  await db.update(admins).set({ lastLoginAt: now }).where(eq(admins.id, admin.id))
  return { ok: true, adminId: admin.id, login: admin.login, hasTotp: admin.totp !== null }
}
