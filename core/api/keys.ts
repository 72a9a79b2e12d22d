import { randomBytes } from 'node:crypto'
import { and, desc, eq, sql } from 'drizzle-orm'
import { preparedRows, type DbOrTx } from '../../db/client.ts'
import {
  accountFrom,
  accountQueryParts,
  decodeSelection,
  renderSelection,
  renderSql,
  sha256,
  type SignedInAccount,
} from '../admins/sessions.ts'
import type { ChangeContext } from '../admins/audit-context.ts'
import { isPermissionPattern, isSubset, normalizePatterns } from '../admins/permissions.ts'
import { apiKeys, admins, roles } from '../admins/schema.ts'
import { recordAudit } from '../audit/service.ts'
import { NotFoundError, ValidationError, type FieldError } from '../kernel/errors.ts'

export type ApiKeyRow = typeof apiKeys.$inferSelect
export type ApiKeyView = Omit<ApiKeyRow, 'keyHash'>

/** Keys look like `upk_<43 base64url chars>`; the first 12 characters are kept as the visible prefix. */
const KEY_PREFIX = 'upk_'
const PREFIX_LENGTH = 12
/** lastUsedAt is written at most this often. */
const TOUCH_EVERY_MS = 60_000

const view = ({ keyHash: _, ...rest }: ApiKeyRow): ApiKeyView => rest

export interface ApiKeyInput {
  name: string
  permissions: string[]
}

/** Creates a key for an admin; returns the plain key, which is shown once and never stored. */
export async function createApiKey(
  db: DbOrTx,
  adminId: number,
  input: ApiKeyInput,
  change: ChangeContext,
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const fields: FieldError[] = []
  const name = input.name.trim()
  if (!name) fields.push({ field: 'name', message: 'is required' })
  else if (name.length > 100) fields.push({ field: 'name', message: 'must be at most 100 characters' })
  const bad = input.permissions.filter((p) => !isPermissionPattern(p))
  if (bad.length) fields.push({ field: 'permissions', message: `not valid permissions: ${bad.join(', ')}` })
  else if (!input.permissions.length)
    fields.push({ field: 'permissions', message: 'choose at least one permission' })
  const [owner] = await db
    .select({ permissions: roles.permissions, active: admins.active })
    .from(admins)
    .innerJoin(roles, eq(roles.id, admins.roleId))
    .where(eq(admins.id, adminId))
  if (!owner) throw new NotFoundError('Admin', adminId)
  const permissions = normalizePatterns(input.permissions)
  // '*' on a key means "whatever my role allows": the effective set is always the intersection with the owner's.
  if (
    !bad.length &&
    !(permissions.length === 1 && permissions[0] === '*') &&
    !isSubset(permissions, owner.permissions)
  ) {
    fields.push({ field: 'permissions', message: 'a key can only have permissions its owner has' })
  }
  if (!owner.active) fields.push({ field: 'adminId', message: 'the admin is deactivated' })
  if (fields.length) throw new ValidationError(fields)
  const key = KEY_PREFIX + randomBytes(32).toString('base64url')
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        adminId,
        name,
        prefix: key.slice(0, PREFIX_LENGTH),
        keyHash: sha256(key),
        permissions,
        createdAt: change.at,
      })
      .returning()
    const apiKey = view(row!)
    await recordAudit(tx, {
      ...change,
      action: 'apikey.create',
      entity: 'api_key',
      entityId: row!.id,
      after: apiKey,
    })
    return { key, apiKey }
  })
}

export async function listApiKeys(
  db: DbOrTx,
  adminId?: number,
): Promise<(ApiKeyView & { adminLogin: string })[]> {
  const list = await db
    .select({ key: apiKeys, adminLogin: admins.login })
    .from(apiKeys)
    .innerJoin(admins, eq(admins.id, apiKeys.adminId))
    .where(adminId === undefined ? undefined : eq(apiKeys.adminId, adminId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
  return list.map((r) => ({ ...view(r.key), adminLogin: r.adminLogin }))
}

export async function getApiKey(db: DbOrTx, id: number): Promise<ApiKeyView> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id))
  if (!row) throw new NotFoundError('API key', id)
  return view(row)
}

/** Revokes a key; with ownerId, only that admin's key. */
export async function revokeApiKey(
  db: DbOrTx,
  id: number,
  change: ChangeContext,
  ownerId?: number,
): Promise<ApiKeyView> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), ownerId === undefined ? undefined : eq(apiKeys.adminId, ownerId)))
      .for('update')
    if (!before) throw new NotFoundError('API key', id)
    if (before.revokedAt) return view(before)
    const [after] = await tx
      .update(apiKeys)
      .set({ revokedAt: change.at ?? new Date() })
      .where(eq(apiKeys.id, id))
      .returning()
    await recordAudit(tx, {
      ...change,
      action: 'apikey.revoke',
      entity: 'api_key',
      entityId: id,
      before: view(before),
      after: view(after!),
    })
    return view(after!)
  })
}

const keyColumns = { id: apiKeys.id, permissions: apiKeys.permissions, lastUsedAt: apiKeys.lastUsedAt }
let keyQuery: string | undefined
/** `select <key>, <owner's account> from api_keys … where <not revoked> and key_hash = $1` (the key's digest). */
function keyQueryText(): string {
  if (!keyQuery) {
    const account = accountQueryParts(sql`${admins.id} = ${apiKeys.adminId}`)
    keyQuery = `select ${renderSelection('key.', keyColumns)}, ${account.selection} from ${renderSql(sql`${apiKeys}`)} ${account.joins} where ${renderSql(sql`${apiKeys.revokedAt} is null and ${apiKeys.keyHash}`)} = $1`
  }
  return keyQuery
}

/**
 * The live key for a presented secret with its owner's account (one query), noting its use; null for
 * unknown or revoked keys. Nothing is cached: a revoked key, a deactivated owner or a changed role
 * applies to the very next request, on every server process.
 */
export async function authenticateApiKey(
  db: DbOrTx,
  key: string,
  now: Date,
): Promise<{ id: number; adminId: number; permissions: string[]; account: SignedInAccount } | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 200) return null
  const [raw] = await preparedRows<Record<string, unknown>>(db, keyQueryText(), [sha256(key)])
  if (!raw) return null
  const row = decodeSelection('key.', keyColumns, raw) as Pick<ApiKeyRow, 'id' | 'permissions' | 'lastUsedAt'>
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id))
  }
  const account = accountFrom(raw)
  return { id: row.id, adminId: account.id, permissions: row.permissions, account }
}
