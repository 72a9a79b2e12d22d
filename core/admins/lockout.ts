import { eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { adminLoginFailures } from './schema.ts'

/** After this many wrong passwords for one login, it is locked for LOCK_MS. */
export const MAX_FAILURES = 5
export const LOCK_MS = 15 * 60_000
/** Failures older than this are forgotten. */
const WINDOW_MS = 15 * 60_000

const key = (login: string) => login.trim().toLowerCase().slice(0, 200)

/** When the login is locked, the time it unlocks; otherwise null. */
export async function lockedUntil(db: DbOrTx, login: string, now: Date): Promise<Date | null> {
  const [row] = await db
    .select()
    .from(adminLoginFailures)
    .where(eq(adminLoginFailures.login, key(login)))
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null
}

/** Counts a failure; returns the lock end when this failure locks the login. */
export async function recordFailure(db: DbOrTx, login: string, now: Date): Promise<Date | null> {
  const windowStart = new Date(now.getTime() - WINDOW_MS)
  const lockEnd = new Date(now.getTime() + LOCK_MS)
  const [row] = await db
    .insert(adminLoginFailures)
    .values({ login: key(login), failures: 1, lastFailureAt: now })
    .onConflictDoUpdate({
      target: adminLoginFailures.login,
      set: {
        failures: sql`case when ${adminLoginFailures.lastFailureAt} < ${windowStart.toISOString()}::timestamptz
          or ${adminLoginFailures.lockedUntil} <= ${now.toISOString()}::timestamptz then 1
          else ${adminLoginFailures.failures} + 1 end`,
        lastFailureAt: now,
        lockedUntil: null,
      },
    })
    .returning()
  if (row && row.failures >= MAX_FAILURES) {
    await db
      .update(adminLoginFailures)
      .set({ lockedUntil: lockEnd })
      .where(eq(adminLoginFailures.login, key(login)))
    return lockEnd
  }
  return null
}

export async function clearFailures(db: DbOrTx, login: string): Promise<void> {
  await db.delete(adminLoginFailures).where(eq(adminLoginFailures.login, key(login)))
}
