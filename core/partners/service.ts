import { asc, eq, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { Clock } from '../kernel/clock.ts'
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.ts'
import { auditChange } from './audit.ts'
import { partners } from './schema.ts'
import { canSeePartner, type Actor } from './scope.ts'

export type Partner = typeof partners.$inferSelect

export interface PartnerInput {
  name?: unknown
  active?: unknown
}

export interface PartnerWithCount extends Partner {
  customerCount: number
}

/** Partners the actor may see, with how many customers each has. */
export async function listPartners(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>): Promise<PartnerWithCount[]> {
  const rows = await db
    .select({
      id: partners.id,
      name: partners.name,
      active: partners.active,
      createdAt: partners.createdAt,
      customerCount: sql<number>`(select count(*)::int from customers c where c.partner_id = "partners"."id")`,
    })
    .from(partners)
    .where(actor.partnerIds === null ? undefined : inArray(partners.id, actor.partnerIds.length ? actor.partnerIds : [-1]))
    .orderBy(asc(partners.id))
  return rows.map((r) => ({ ...r, customerCount: Number(r.customerCount) }))
}

/** Id and name of the partners the actor may see, for drop-downs and list columns. */
export async function partnerOptions(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>): Promise<{ id: number; name: string; active: boolean }[]> {
  return db
    .select({ id: partners.id, name: partners.name, active: partners.active })
    .from(partners)
    .where(actor.partnerIds === null ? undefined : inArray(partners.id, actor.partnerIds.length ? actor.partnerIds : [-1]))
    .orderBy(asc(partners.id))
}

export async function getPartner(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<Partner> {
  const [row] = await db.select().from(partners).where(eq(partners.id, id))
  if (!row || !canSeePartner(actor, row.id)) throw new NotFoundError('Partner', id)
  return row
}

function validate(input: PartnerInput, partial: boolean): { name?: string; active?: boolean } {
  const out: { name?: string; active?: boolean } = {}
  const errors = []
  if (input.name !== undefined || !partial) {
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (!name) errors.push({ field: 'name', message: 'is required' })
    else if (name.length > 200) errors.push({ field: 'name', message: 'must be at most 200 characters' })
    else out.name = name
  }
  if (input.active !== undefined) {
    const a = input.active
    if (typeof a === 'boolean') out.active = a
    else if (a === 'true' || a === 'on' || a === '1') out.active = true
    else if (a === 'false' || a === '0' || a === '') out.active = false
    else errors.push({ field: 'active', message: 'must be true or false' })
  }
  if (errors.length) throw new ValidationError(errors)
  return out
}

async function assertNameFree(tx: DbOrTx, name: string, exceptId?: number): Promise<void> {
  const [clash] = await tx
    .select({ id: partners.id })
    .from(partners)
    .where(sql`lower(${partners.name}) = lower(${name})`)
  if (clash && clash.id !== exceptId) throw new ValidationError([{ field: 'name', message: 'is already used by another partner' }])
}

/** Creates a partner. Only admins not limited to partners may create one. */
export async function createPartner(db: DbOrTx, clock: Clock, actor: Actor, input: PartnerInput): Promise<Partner> {
  if (actor.partnerIds !== null) throw new ConflictError('Admins limited to partners cannot create partners')
  const values = validate(input, false)
  return db.transaction(async (tx) => {
    await assertNameFree(tx, values.name!)
    const [row] = await tx.insert(partners).values({ name: values.name!, active: values.active ?? true }).returning()
    await auditChange(tx, clock, actor, { action: 'partner.create', entity: 'partner', entityId: row!.id, after: row })
    return row!
  })
}

export async function updatePartner(db: DbOrTx, clock: Clock, actor: Actor, id: number, input: PartnerInput): Promise<Partner> {
  const values = validate(input, true)
  return db.transaction(async (tx) => {
    const before = await getPartner(tx, actor, id)
    if (values.name !== undefined) await assertNameFree(tx, values.name, id)
    const [row] = await tx.update(partners).set(values).where(eq(partners.id, id)).returning()
    await auditChange(tx, clock, actor, { action: 'partner.update', entity: 'partner', entityId: id, before, after: row })
    return row!
  })
}

/** Deletes a partner that has nothing attached (no customers, admins, ...); otherwise refuses. */
export async function deletePartner(db: DbOrTx, clock: Clock, actor: Actor, id: number): Promise<void> {
  if (actor.partnerIds !== null) throw new ConflictError('Admins limited to partners cannot delete partners')
  await db.transaction(async (tx) => {
    const before = await getPartner(tx, actor, id)
    try {
      await tx.transaction(async (sp) => {
        await sp.delete(partners).where(eq(partners.id, id))
      })
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new ConflictError(`Partner ${id} still has customers or other records; deactivate it instead`)
      throw err
    }
    await auditChange(tx, clock, actor, { action: 'partner.delete', entity: 'partner', entityId: id, before })
  })
}

/** The partner a new record goes to when none is named: the actor's first partner, else the oldest partner. */
export async function defaultPartnerId(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>): Promise<number | null> {
  if (actor.partnerIds?.length) return Math.min(...actor.partnerIds)
  const [row] = await db.select({ id: partners.id }).from(partners).orderBy(asc(partners.id)).limit(1)
  return row?.id ?? null
}

export function isForeignKeyViolation(err: unknown): boolean {
  return pgCode(err) === '23503'
}

export function isUniqueViolation(err: unknown): boolean {
  return pgCode(err) === '23505'
}

/** The SQLSTATE of a database error, looking through drizzle's wrapping. */
export function pgCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 4 && e; i++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code
    e = e.cause as typeof e
  }
  return undefined
}
