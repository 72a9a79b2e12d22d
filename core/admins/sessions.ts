import { createHash, randomBytes } from 'node:crypto'
import { and, desc, eq, gt, isNull } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { adminSessions } from './schema.ts'

export type SessionRow = typeof adminSessions.$inferSelect

/** A session ends this long after it began, however active it is. */
export const SESSION_ABSOLUTE_MS = 12 * 3600_000
/** lastSeenAt is written at most this often, so a busy admin does not cost one write per request. */
const TOUCH_EVERY_MS = 60_000

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

/** Starts a session and returns the token for the cookie; only its hash is stored. */
export async function createSession(
  db: DbOrTx,
  input: { adminId: number; mfaPassed: boolean; ip: string | null; userAgent: string | null; now: Date },
): Promise<{ token: string; id: string }> {
  const token = randomBytes(32).toString('base64url')
  const id = sha256(token)
  await db.insert(adminSessions).values({
    id,
    adminId: input.adminId,
    mfaPassed: input.mfaPassed,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    createdAt: input.now,
    lastSeenAt: input.now,
  })
  return { token, id }
}

export type SessionState =
  | { ok: true; session: SessionRow }
  | { ok: false; reason: 'unknown' | 'revoked' | 'idle' | 'expired' }

/** The live session for a cookie token, touching its last-seen time; expired ones are closed on the way. */
export async function resumeSession(
  db: DbOrTx,
  token: string,
  now: Date,
  idleMinutes: number,
): Promise<SessionState> {
  const id = sha256(token)
  const [session] = await db.select().from(adminSessions).where(eq(adminSessions.id, id))
  if (!session) return { ok: false, reason: 'unknown' }
  if (session.revokedAt) return { ok: false, reason: 'revoked' }
  const idle = now.getTime() - session.lastSeenAt.getTime() > idleMinutes * 60_000
  const expired = now.getTime() - session.createdAt.getTime() > SESSION_ABSOLUTE_MS
  if (idle || expired) {
    await db.update(adminSessions).set({ revokedAt: now }).where(eq(adminSessions.id, id))
    return { ok: false, reason: idle ? 'idle' : 'expired' }
  }
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    await db.update(adminSessions).set({ lastSeenAt: now }).where(eq(adminSessions.id, id))
    session.lastSeenAt = now
  }
  return { ok: true, session }
}

export async function markMfaPassed(db: DbOrTx, id: string): Promise<void> {
  await db.update(adminSessions).set({ mfaPassed: true }).where(eq(adminSessions.id, id))
}

/** Revokes one session; with adminId, only if it belongs to that admin. Returns the revoked row. */
export async function revokeSession(
  db: DbOrTx,
  id: string,
  now: Date,
  adminId?: number,
): Promise<SessionRow | null> {
  const [row] = await db
    .update(adminSessions)
    .set({ revokedAt: now })
    .where(
      and(
        eq(adminSessions.id, id),
        isNull(adminSessions.revokedAt),
        adminId === undefined ? undefined : eq(adminSessions.adminId, adminId),
      ),
    )
    .returning()
  return row ?? null
}

/** Open sessions of one admin (not revoked and not yet past the absolute lifetime), newest first. */
export async function listSessions(
  db: DbOrTx,
  adminId: number,
  now: Date,
  idleMinutes: number,
): Promise<SessionRow[]> {
  const list = await db
    .select()
    .from(adminSessions)
    .where(
      and(
        eq(adminSessions.adminId, adminId),
        isNull(adminSessions.revokedAt),
        gt(adminSessions.createdAt, new Date(now.getTime() - SESSION_ABSOLUTE_MS)),
      ),
    )
    .orderBy(desc(adminSessions.lastSeenAt))
  return list.filter((s) => now.getTime() - s.lastSeenAt.getTime() <= idleMinutes * 60_000)
}
