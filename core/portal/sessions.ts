import { createHash, randomBytes } from 'node:crypto'
import { and, eq, isNull } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { customers } from '../customers/schema.ts'
import type { CustomerPrincipal } from '../kernel/auth-types.ts'
import { portalSessions } from './schema.ts'

/** A portal session ends this long after it began, however active it is. */
export const PORTAL_SESSION_ABSOLUTE_MS = 12 * 60 * 60_000
/** lastSeenAt is written at most this often, so browsing does not write on every request. */
const TOUCH_EVERY_MS = 60_000

export const sha256 = (token: string) => createHash('sha256').update(token).digest('hex')

/** Starts a session; returns the token for the cookie (only its hash is stored). */
export async function createPortalSession(
  db: DbOrTx,
  customerId: number,
  meta: { ip: string | null; userAgent: string | null; now: Date },
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await db.insert(portalSessions).values({
    id: sha256(token),
    customerId,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    createdAt: meta.now,
    lastSeenAt: meta.now,
  })
  return token
}

/**
 * The customer of a live session: not revoked, used within the idle limit, younger than the absolute
 * limit, and the customer still has portal access. Touches lastSeenAt.
 */
export async function resumePortalSession(
  db: DbOrTx,
  token: string,
  now: Date,
  idleMinutes: number,
): Promise<(CustomerPrincipal & { sessionId: string }) | null> {
  const id = sha256(token)
  const [row] = await db
    .select({
      session: portalSessions,
      customer: { id: customers.id, partnerId: customers.partnerId, login: customers.login, name: customers.name, hash: customers.portalPasswordHash },
    })
    .from(portalSessions)
    .innerJoin(customers, eq(customers.id, portalSessions.customerId))
    .where(and(eq(portalSessions.id, id), isNull(portalSessions.revokedAt)))
  if (!row?.customer.hash) return null
  const idleMs = now.getTime() - row.session.lastSeenAt.getTime()
  const ageMs = now.getTime() - row.session.createdAt.getTime()
  if (idleMs > idleMinutes * 60_000 || ageMs > PORTAL_SESSION_ABSOLUTE_MS) {
    await db.update(portalSessions).set({ revokedAt: now }).where(eq(portalSessions.id, id))
    return null
  }
  if (idleMs > TOUCH_EVERY_MS) await db.update(portalSessions).set({ lastSeenAt: now }).where(eq(portalSessions.id, id))
  const { hash: _hash, ...customer } = row.customer
  return { ...customer, sessionId: id }
}

/** Ends a session; returns its customer id, or null when there was no live session. */
export async function revokePortalSession(db: DbOrTx, token: string, now: Date): Promise<number | null> {
  const [row] = await db
    .update(portalSessions)
    .set({ revokedAt: now })
    .where(and(eq(portalSessions.id, sha256(token)), isNull(portalSessions.revokedAt)))
    .returning({ customerId: portalSessions.customerId })
  return row?.customerId ?? null
}

/** Ends every session of a customer (password changed, access removed). */
export async function revokeCustomerSessions(db: DbOrTx, customerId: number, now: Date): Promise<number> {
  const done = await db
    .update(portalSessions)
    .set({ revokedAt: now })
    .where(and(eq(portalSessions.customerId, customerId), isNull(portalSessions.revokedAt)))
    .returning({ id: portalSessions.id })
  return done.length
}
