import { and, asc, eq, ilike, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { recordAudit } from '../audit/service.ts'
import {
  ForbiddenError,
  NotFoundError,
  StateError,
  ValidationError,
  type FieldError,
} from '../kernel/errors.ts'
import { partners } from '../partners/schema.ts'
import type { ChangeContext } from './audit-context.ts'
import { hashPassword, passwordProblem } from './passwords.ts'
import { isSubset } from './permissions.ts'
import { adminPartners, adminSessions, admins, apiKeys, roles } from './schema.ts'

export type AdminRow = typeof admins.$inferSelect

/** What the panel and the API show of an admin: never the password hash, TOTP secret or recovery codes. */
export interface AdminView {
  id: number
  login: string
  name: string
  email: string | null
  roleId: number
  roleName: string
  active: boolean
  twoFactor: boolean
  partnerIds: number[]
  createdAt: Date
  lastLoginAt: Date | null
}

const LOGIN = /^[a-zA-Z0-9._@-]{2,64}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export interface AdminInput {
  login: string
  name: string
  email?: string | null
  password: string
  roleId: number
  active?: boolean
  partnerIds?: number[]
}

export type AdminUpdate = Partial<Omit<AdminInput, 'password'>> & { password?: string | null }

async function partnerIdsOf(db: DbOrTx, adminIds: number[]): Promise<Map<number, number[]>> {
  const map = new Map<number, number[]>()
  if (!adminIds.length) return map
  const list = await db.select().from(adminPartners).where(inArray(adminPartners.adminId, adminIds))
  for (const r of list)
    map.set(
      r.adminId,
      [...(map.get(r.adminId) ?? []), r.partnerId].sort((a, b) => a - b),
    )
  return map
}

const columns = {
  id: admins.id,
  login: admins.login,
  name: admins.name,
  email: admins.email,
  roleId: admins.roleId,
  roleName: roles.name,
  active: admins.active,
  twoFactor: sql<boolean>`${admins.totpSecret} is not null`,
  createdAt: admins.createdAt,
  lastLoginAt: admins.lastLoginAt,
}

export async function getAdmin(db: DbOrTx, id: number): Promise<AdminView> {
  const [row] = await db
    .select(columns)
    .from(admins)
    .innerJoin(roles, eq(roles.id, admins.roleId))
    .where(eq(admins.id, id))
  if (!row) throw new NotFoundError('Admin', id)
  return { ...row, partnerIds: (await partnerIdsOf(db, [id])).get(id) ?? [] }
}

export interface AdminFilter {
  q?: string
  roleId?: number
  active?: boolean
}

export async function listAdmins(
  db: DbOrTx,
  filter: AdminFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: AdminView[]; total: number }> {
  const conds: SQL[] = []
  if (filter.q) {
    const like = `%${filter.q.replace(/[%_\\]/g, '\\$&')}%`
    conds.push(or(ilike(admins.login, like), ilike(admins.name, like), ilike(admins.email, like))!)
  }
  if (filter.roleId) conds.push(eq(admins.roleId, filter.roleId))
  if (filter.active !== undefined) conds.push(eq(admins.active, filter.active))
  const cond = conds.length ? and(...conds) : undefined
  const list = await db
    .select(columns)
    .from(admins)
    .innerJoin(roles, eq(roles.id, admins.roleId))
    .where(cond)
    .orderBy(asc(admins.login))
    .limit(page.limit)
    .offset(page.offset)
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(admins).where(cond)
  const partnerMap = await partnerIdsOf(
    db,
    list.map((r) => r.id),
  )
  return { rows: list.map((r) => ({ ...r, partnerIds: partnerMap.get(r.id) ?? [] })), total: count?.n ?? 0 }
}

async function checkFields(
  db: DbOrTx,
  input: AdminUpdate,
  id: number | null,
  fields: FieldError[],
): Promise<void> {
  if (input.login !== undefined) {
    if (!LOGIN.test(input.login)) {
      fields.push({ field: 'login', message: '2-64 characters: letters, digits and . _ @ -' })
    } else {
      const [dup] = await db
        .select({ id: admins.id })
        .from(admins)
        .where(
          and(
            sql`lower(${admins.login}) = lower(${input.login})`,
            id === null ? undefined : ne(admins.id, id),
          ),
        )
      if (dup) fields.push({ field: 'login', message: 'is already taken' })
    }
  }
  if (input.name !== undefined && !input.name.trim()) fields.push({ field: 'name', message: 'is required' })
  if (input.name && input.name.length > 200)
    fields.push({ field: 'name', message: 'must be at most 200 characters' })
  if (input.email && !EMAIL.test(input.email))
    fields.push({ field: 'email', message: 'is not an email address' })
  if (input.password) {
    const problem = passwordProblem(input.password, input.login)
    if (problem) fields.push({ field: 'password', message: problem })
  }
  if (input.roleId !== undefined) {
    const [role] = await db.select({ id: roles.id }).from(roles).where(eq(roles.id, input.roleId))
    if (!role) fields.push({ field: 'roleId', message: 'no such role' })
  }
  if (input.partnerIds?.length) {
    const found = await db
      .select({ id: partners.id })
      .from(partners)
      .where(inArray(partners.id, input.partnerIds))
    const missing = input.partnerIds.filter((p) => !found.some((f) => f.id === p))
    if (missing.length)
      fields.push({ field: 'partnerIds', message: `no such partner: ${missing.join(', ')}` })
  }
}

/** Refuses giving a role with more permissions than the acting admin has. */
async function refuseEscalation(
  db: DbOrTx,
  roleId: number,
  change: ChangeContext,
  what = 'assign the role',
): Promise<void> {
  if (!change.actorPatterns) return
  const [role] = await db.select().from(roles).where(eq(roles.id, roleId))
  if (role && !isSubset(role.permissions, change.actorPatterns)) {
    throw new ForbiddenError(`You cannot ${what} "${role.name}": it has permissions you do not have`)
  }
}

/** Refuses when the target admin's role can do more than the actor's: nobody takes over a more powerful account. */
export async function assertCanManage(db: DbOrTx, adminId: number, change: ChangeContext): Promise<void> {
  const [row] = await db.select({ roleId: admins.roleId }).from(admins).where(eq(admins.id, adminId))
  if (!row) throw new NotFoundError('Admin', adminId)
  await refuseEscalation(db, row.roleId, change, 'manage an admin with the role')
}

async function setPartners(db: DbOrTx, adminId: number, partnerIds: number[]): Promise<void> {
  await db.delete(adminPartners).where(eq(adminPartners.adminId, adminId))
  const unique = [...new Set(partnerIds)]
  if (unique.length)
    await db.insert(adminPartners).values(unique.map((partnerId) => ({ adminId, partnerId })))
}

const auditView = (a: AdminView) => ({
  login: a.login,
  name: a.name,
  email: a.email,
  roleId: a.roleId,
  role: a.roleName,
  active: a.active,
  partnerIds: a.partnerIds,
})

export async function createAdmin(db: DbOrTx, input: AdminInput, change: ChangeContext): Promise<AdminView> {
  const fields: FieldError[] = []
  if (!input.password) fields.push({ field: 'password', message: 'is required' })
  await checkFields(db, input, null, fields)
  if (fields.length) throw new ValidationError(fields)
  await refuseEscalation(db, input.roleId, change)
  const passwordHash = await hashPassword(input.password)
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(admins)
      .values({
        login: input.login,
        name: input.name.trim(),
        email: input.email || null,
        passwordHash,
        roleId: input.roleId,
        active: input.active ?? true,
        createdAt: change.at,
      })
      .returning({ id: admins.id })
    await setPartners(tx, row!.id, input.partnerIds ?? [])
    const after = await getAdmin(tx, row!.id)
    await recordAudit(tx, {
      ...change,
      action: 'admin.create',
      entity: 'admin',
      entityId: row!.id,
      after: auditView(after),
    })
    return after
  })
}

/** Refuses a change that would leave no active super admin. */
async function keepOneSuperAdmin(db: DbOrTx, id: number, update: AdminUpdate): Promise<void> {
  const [superRole] = await db.select({ id: roles.id }).from(roles).where(eq(roles.builtin, 'super_admin'))
  if (!superRole) return
  const [current] = await db
    .select({ roleId: admins.roleId, active: admins.active })
    .from(admins)
    .where(eq(admins.id, id))
  if (!current || current.roleId !== superRole.id || !current.active) return
  const stays = (update.roleId ?? current.roleId) === superRole.id && (update.active ?? current.active)
  if (stays) return
  const [others] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(admins)
    .where(and(eq(admins.roleId, superRole.id), eq(admins.active, true), ne(admins.id, id)))
  if (!others?.n)
    throw new StateError('This is the last active super administrator; appoint another one first')
}

export async function updateAdmin(
  db: DbOrTx,
  id: number,
  update: AdminUpdate,
  change: ChangeContext,
): Promise<AdminView> {
  const fields: FieldError[] = []
  const current = await getAdmin(db, id)
  await checkFields(
    db,
    { ...update, login: update.login ?? (update.password ? current.login : undefined) },
    id,
    fields,
  )
  if (fields.length) throw new ValidationError(fields)
  // Nobody edits an admin who can do more than they can, nor hands out a role beyond their own.
  await refuseEscalation(db, current.roleId, change, 'manage an admin with the role')
  if (update.roleId !== undefined && update.roleId !== current.roleId)
    await refuseEscalation(db, update.roleId, change)
  const passwordHash = update.password ? await hashPassword(update.password) : undefined
  return db.transaction(async (tx) => {
    await tx.select({ id: admins.id }).from(admins).where(eq(admins.id, id)).for('update')
    const before = await getAdmin(tx, id)
    await keepOneSuperAdmin(tx, id, update)
    const set: Partial<typeof admins.$inferInsert> = {}
    if (update.login !== undefined) set.login = update.login
    if (update.name !== undefined) set.name = update.name.trim()
    if (update.email !== undefined) set.email = update.email || null
    if (update.roleId !== undefined) set.roleId = update.roleId
    if (update.active !== undefined) set.active = update.active
    if (passwordHash) set.passwordHash = passwordHash
    if (Object.keys(set).length) await tx.update(admins).set(set).where(eq(admins.id, id))
    if (update.partnerIds !== undefined) await setPartners(tx, id, update.partnerIds)
    // Losing access ends what the admin had open.
    if (update.active === false || passwordHash) {
      await tx
        .update(adminSessions)
        .set({ revokedAt: change.at ?? sql`now()` })
        .where(and(eq(adminSessions.adminId, id), isNull(adminSessions.revokedAt)))
    }
    if (update.active === false) {
      await tx
        .update(apiKeys)
        .set({ revokedAt: change.at ?? sql`now()` })
        .where(and(eq(apiKeys.adminId, id), isNull(apiKeys.revokedAt)))
    }
    const after = await getAdmin(tx, id)
    const action = update.active === false && before.active ? 'admin.deactivate' : 'admin.update'
    await recordAudit(tx, {
      ...change,
      action,
      entity: 'admin',
      entityId: id,
      before: auditView(before),
      after: { ...auditView(after), ...(passwordHash ? { changedCredentials: true } : {}) },
    })
    return after
  })
}
