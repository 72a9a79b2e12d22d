import { asc, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { recordAudit } from '../audit/service.ts'
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  StateError,
  ValidationError,
  type FieldError,
} from '../kernel/errors.ts'
import type { ChangeContext } from './audit-context.ts'
import { BUILTIN_ROLES, type BuiltinRoleKey } from './builtin-roles.ts'
import { isPermissionPattern, isSubset, normalizePatterns } from './permissions.ts'
import { admins, roles } from './schema.ts'

export type Role = typeof roles.$inferSelect

/** Creates the built-in roles that are missing; never touches existing ones. Safe to run on every boot, on every node. */
export async function ensureBuiltins(db: DbOrTx, known: readonly string[] = []): Promise<void> {
  for (const def of BUILTIN_ROLES) {
    await db
      .insert(roles)
      .values({ builtin: def.key, name: def.name, permissions: normalizePatterns(def.permissions(known)) })
      .onConflictDoNothing()
  }
}

export async function roleByBuiltin(
  db: DbOrTx,
  key: BuiltinRoleKey,
  known: readonly string[] = [],
): Promise<Role> {
  let [role] = await db.select().from(roles).where(eq(roles.builtin, key))
  if (!role) {
    await ensureBuiltins(db, known)
    ;[role] = await db.select().from(roles).where(eq(roles.builtin, key))
  }
  if (!role) throw new NotFoundError('Role', key)
  return role
}

export async function getRole(db: DbOrTx, id: number): Promise<Role> {
  const [role] = await db.select().from(roles).where(eq(roles.id, id))
  if (!role) throw new NotFoundError('Role', id)
  return role
}

export async function listRoles(db: DbOrTx): Promise<(Role & { adminCount: number })[]> {
  return db
    .select({
      id: roles.id,
      builtin: roles.builtin,
      name: roles.name,
      permissions: roles.permissions,
      require2fa: roles.require2fa,
      createdAt: roles.createdAt,
      adminCount: sql<number>`(select count(*)::int from ${admins} where ${admins.roleId} = ${roles.id})`,
    })
    .from(roles)
    .orderBy(asc(roles.id))
}

export interface RoleInput {
  name: string
  permissions: string[]
  require2fa: boolean
}

function validate(input: RoleInput): RoleInput {
  const fields: FieldError[] = []
  const name = input.name.trim()
  if (!name) fields.push({ field: 'name', message: 'is required' })
  else if (name.length > 100) fields.push({ field: 'name', message: 'must be at most 100 characters' })
  const bad = input.permissions.filter((p) => !isPermissionPattern(p))
  if (bad.length) fields.push({ field: 'permissions', message: `not valid permissions: ${bad.join(', ')}` })
  if (fields.length) throw new ValidationError(fields)
  return { name, permissions: normalizePatterns(input.permissions), require2fa: input.require2fa }
}

function refuseEscalation(change: ChangeContext, permissions: readonly string[]): void {
  if (change.actorPatterns && !isSubset(permissions, change.actorPatterns)) {
    throw new ForbiddenError('You cannot grant permissions you do not have yourself')
  }
}

async function nameTaken(db: DbOrTx, name: string, exceptId?: number): Promise<boolean> {
  const [row] = await db
    .select({ id: roles.id })
    .from(roles)
    .where(sql`lower(${roles.name}) = lower(${name})`)
  return !!row && row.id !== exceptId
}

const view = (r: Role) => ({ name: r.name, permissions: r.permissions, require2fa: r.require2fa })

export async function createRole(db: DbOrTx, input: RoleInput, change: ChangeContext): Promise<Role> {
  const clean = validate(input)
  refuseEscalation(change, clean.permissions)
  return db.transaction(async (tx) => {
    if (await nameTaken(tx, clean.name))
      throw new ValidationError([{ field: 'name', message: 'a role with this name exists' }])
    const [role] = await tx.insert(roles).values(clean).returning()
    await recordAudit(tx, {
      ...change,
      action: 'role.create',
      entity: 'role',
      entityId: role!.id,
      after: view(role!),
    })
    return role!
  })
}

export async function updateRole(
  db: DbOrTx,
  id: number,
  input: RoleInput,
  change: ChangeContext,
): Promise<Role> {
  const clean = validate(input)
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(roles).where(eq(roles.id, id)).for('update')
    if (!before) throw new NotFoundError('Role', id)
    if (before.builtin === 'super_admin') {
      // Its permissions stay '*': an installation must always have a role that can do everything.
      clean.permissions = ['*']
    } else refuseEscalation(change, clean.permissions)
    if (await nameTaken(tx, clean.name, id))
      throw new ValidationError([{ field: 'name', message: 'a role with this name exists' }])
    const [after] = await tx.update(roles).set(clean).where(eq(roles.id, id)).returning()
    await recordAudit(tx, {
      ...change,
      action: 'role.update',
      entity: 'role',
      entityId: id,
      before: view(before),
      after: view(after!),
    })
    return after!
  })
}

export async function deleteRole(db: DbOrTx, id: number, change: ChangeContext): Promise<void> {
  await db.transaction(async (tx) => {
    const [role] = await tx.select().from(roles).where(eq(roles.id, id)).for('update')
    if (!role) throw new NotFoundError('Role', id)
    if (role.builtin) throw new StateError(`The built-in role "${role.name}" cannot be deleted`)
    const [used] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(admins)
      .where(eq(admins.roleId, id))
    if (used && used.n > 0)
      throw new ConflictError(
        `The role "${role.name}" is assigned to ${used.n} admin(s); reassign them first`,
      )
    await tx.delete(roles).where(eq(roles.id, id))
    await recordAudit(tx, {
      ...change,
      action: 'role.delete',
      entity: 'role',
      entityId: id,
      before: view(role),
    })
  })
}
