import { createHash, randomBytes } from 'node:crypto'
import { and, Column, desc, eq, getTableColumns, gt, is, isNull, sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { preparedRows, type DbOrTx } from '../../db/client.ts'
import type { AdminAccount } from './principal.ts'
import { adminPartners, admins, adminSessions, roles } from './schema.ts'

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

/** The admin behind a session or an API key, as the guard needs it, with the role's name. */
export interface SignedInAccount extends AdminAccount {
  roleName: string
}

/*
 * Authentication runs on every panel and API request, so its statement is plain SQL text rendered once
 * from the schema (drizzle's builder costs more than the statement itself) with the token's digest as a
 * literal: the `postgres` driver sends an unprepared statement with bind parameters in two round trips
 * (it asks for the parameter types first), and one without them in one.
 */
const dialect = new PgDialect({ casing: 'snake_case' })

/** The SQL text of a parameterless fragment. */
export const renderSql = (fragment: SQL): string => dialect.sqlToQuery(fragment).sql

type Selection = Record<string, Column | SQL>

/** `expression as "<prefix><key>", …` for a select list. */
export function renderSelection(prefix: string, selection: Selection): string {
  return Object.entries(selection)
    .map(([key, expr]) => `${renderSql(sql`${expr}`)} as "${prefix}${key}"`)
    .join(', ')
}

/** The values of one selection out of a raw row, decoded by their columns as drizzle does (timestamps to Date). */
export function decodeSelection(prefix: string, selection: Selection, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, expr] of Object.entries(selection)) {
    const value = raw[prefix + key]
    out[key] = value === null || value === undefined ? null : is(expr, Column) ? expr.mapFromDriverValue(value) : value
  }
  return out
}

/**
 * The columns of a signed-in admin's account, for a query that joins `admins` and `roles`: the admin,
 * the role and the partner limits come in the same row, so authenticating a request is one query.
 */
const accountColumns = {
  id: admins.id,
  login: admins.login,
  name: admins.name,
  roleId: admins.roleId,
  active: admins.active,
  hasTotp: sql`(${admins.totpSecret} is not null)`,
  rolePermissions: roles.permissions,
  roleName: roles.name,
  require2fa: roles.require2fa,
  partnerIds: sql`(select coalesce(json_agg(${adminPartners.partnerId} order by ${adminPartners.partnerId}), '[]') from ${adminPartners} where ${adminPartners.adminId} = ${admins.id})`,
}

/** The account's select list (keys prefixed `account.`) and the join that feeds it, given how to reach `admins`. */
export function accountQueryParts(joinAdmins: SQL): { selection: string; joins: string } {
  return {
    selection: renderSelection('account.', accountColumns),
    joins: renderSql(sql`inner join ${admins} on ${joinAdmins} inner join ${roles} on ${roles.id} = ${admins.roleId}`),
  }
}

/** The account in a raw row of a query built with accountQueryParts; no partner rows means all partners. */
export function accountFrom(raw: Record<string, unknown>): SignedInAccount {
  const row = decodeSelection('account.', accountColumns, raw)
  const partnerIds = (row.partnerIds as number[] | null) ?? []
  return {
    id: row.id as number,
    login: row.login as string,
    name: row.name as string,
    roleId: row.roleId as number,
    active: row.active as boolean,
    hasTotp: row.hasTotp === true,
    rolePermissions: row.rolePermissions as string[],
    roleName: row.roleName as string,
    require2fa: row.require2fa as boolean,
    partnerIds: partnerIds.length ? partnerIds.map(Number) : null,
  }
}

const sessionColumns = getTableColumns(adminSessions)
let sessionQuery: string | undefined
/** `select <session>, <account> from admin_sessions … where admin_sessions.id = $1` (the token's digest). */
function sessionQueryText(): string {
  if (!sessionQuery) {
    const account = accountQueryParts(sql`${admins.id} = ${adminSessions.adminId}`)
    sessionQuery = `select ${renderSelection('session.', sessionColumns)}, ${account.selection} from ${renderSql(sql`${adminSessions}`)} ${account.joins} where ${renderSql(sql`${adminSessions.id}`)} = $1`
  }
  return sessionQuery
}

export type SessionState =
  | { ok: true; session: SessionRow; account: SignedInAccount }
  | { ok: false; reason: 'unknown' | 'revoked' | 'idle' | 'expired' }

/**
 * The live session for a cookie token with its admin's account (one query), touching its last-seen
 * time; expired ones are closed on the way.
 */
export async function resumeSession(
  db: DbOrTx,
  token: string,
  now: Date,
  idleMinutes: number,
): Promise<SessionState> {
  const id = sha256(token)
  const [found] = await preparedRows<Record<string, unknown>>(db, sessionQueryText(), [id])
  if (!found) return { ok: false, reason: 'unknown' }
  const session = decodeSelection('session.', sessionColumns, found) as SessionRow
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
  return { ok: true, session, account: accountFrom(found) }
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
