/** The NAS registry: list, create, update, delete, with the shared secret sealed by the instance key. */
import { isIP } from 'node:net'
import { and, asc, count, eq, inArray, isNull, or } from 'drizzle-orm'
import {
  type Actor,
  ConflictError,
  type DbOrTx,
  encryptSecret,
  type FieldError,
  NotFoundError,
  recordAudit,
  ValidationError,
} from '../../../core/plugin-api.ts'
import { radiusNas, radiusSessions } from '../schema.ts'

export const NAS_TYPES = ['mikrotik', 'cisco', 'juniper', 'generic'] as const
export type NasTypeName = (typeof NAS_TYPES)[number]

export interface NasRow {
  id: number
  name: string
  ipAddress: string
  type: NasTypeName
  coaPort: number
  requireMessageAuthenticator: boolean
  partnerId: number | null
  description: string | null
  requests: number
  lastSeenAt: Date | null
  createdAt: Date
  updatedAt: Date
}

export interface NasInput {
  name?: string
  ipAddress?: string
  /** Clear text; on update, absent or empty keeps the stored one. */
  secret?: string
  type?: NasTypeName
  coaPort?: number
  requireMessageAuthenticator?: boolean
  partnerId?: number | null
  description?: string | null
}

export interface NasDeps {
  db: DbOrTx
  key: string
  now: Date
  actor: Actor
  ip?: string | null
}

const columns = {
  id: radiusNas.id,
  name: radiusNas.name,
  ipAddress: radiusNas.ipAddress,
  type: radiusNas.type,
  coaPort: radiusNas.coaPort,
  requireMessageAuthenticator: radiusNas.requireMessageAuthenticator,
  partnerId: radiusNas.partnerId,
  description: radiusNas.description,
  requests: radiusNas.requests,
  lastSeenAt: radiusNas.lastSeenAt,
  createdAt: radiusNas.createdAt,
  updatedAt: radiusNas.updatedAt,
}

const visible = (partnerIds: number[] | null) =>
  partnerIds === null ? undefined : or(isNull(radiusNas.partnerId), inArray(radiusNas.partnerId, partnerIds))

/** NASes an admin may see: all, or those of their partners and the shared ones without a partner. */
export async function listNas(db: DbOrTx, partnerIds: number[] | null): Promise<NasRow[]> {
  return db
    .select(columns)
    .from(radiusNas)
    .where(visible(partnerIds))
    .orderBy(asc(radiusNas.name), asc(radiusNas.id))
}

export async function getNas(db: DbOrTx, id: number, partnerIds: number[] | null): Promise<NasRow> {
  const [row] = await db
    .select(columns)
    .from(radiusNas)
    .where(and(eq(radiusNas.id, id), visible(partnerIds)))
  if (!row) throw new NotFoundError('NAS', id)
  return row
}

function check(input: NasInput, creating: boolean, partnerIds: number[] | null): FieldError[] {
  const errors: FieldError[] = []
  const need = (field: keyof NasInput) => creating && (input[field] === undefined || input[field] === '')
  if (need('name')) errors.push({ field: 'name', message: 'is required' })
  else if (input.name !== undefined && (input.name.trim() === '' || input.name.length > 100))
    errors.push({ field: 'name', message: 'must be 1 to 100 characters' })
  if (need('ipAddress')) errors.push({ field: 'ipAddress', message: 'is required' })
  else if (input.ipAddress !== undefined && isIP(input.ipAddress.trim()) === 0)
    errors.push({ field: 'ipAddress', message: 'must be an IPv4 or IPv6 address' })
  if (need('secret')) errors.push({ field: 'secret', message: 'is required' })
  else if (input.secret && (input.secret.length < 6 || input.secret.length > 128))
    errors.push({ field: 'secret', message: 'must be 6 to 128 characters' })
  if (input.type !== undefined && !NAS_TYPES.includes(input.type))
    errors.push({ field: 'type', message: `must be one of ${NAS_TYPES.join(', ')}` })
  if (
    input.coaPort !== undefined &&
    (!Number.isInteger(input.coaPort) || input.coaPort < 1 || input.coaPort > 65535)
  )
    errors.push({ field: 'coaPort', message: 'must be a port 1 to 65535' })
  if (partnerIds !== null && input.partnerId !== undefined) {
    if (input.partnerId === null || !partnerIds.includes(input.partnerId))
      errors.push({ field: 'partnerId', message: 'must be one of your partners' })
  }
  return errors
}

function isUnique(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } }
  return e?.code === '23505' || e?.cause?.code === '23505'
}

function audited(row: NasRow) {
  const { requests: _r, lastSeenAt: _l, createdAt: _c, updatedAt: _u, ...rest } = row
  return rest
}

const duplicateIp = () => new ValidationError([{ field: 'ipAddress', message: 'is already a NAS' }])

export async function createNas(
  deps: NasDeps,
  input: NasInput,
  partnerIds: number[] | null,
): Promise<NasRow> {
  const errors = check(input, true, partnerIds)
  if (errors.length) throw new ValidationError(errors)
  const partnerId = input.partnerId ?? (partnerIds?.length === 1 ? partnerIds[0]! : null)
  try {
    return await deps.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(radiusNas)
        .values({
          name: input.name!.trim(),
          ipAddress: input.ipAddress!.trim(),
          secretEncrypted: encryptSecret(deps.key, input.secret!),
          type: input.type ?? 'mikrotik',
          coaPort: input.coaPort ?? 3799,
          requireMessageAuthenticator: input.requireMessageAuthenticator ?? false,
          partnerId,
          description: input.description ?? null,
          createdAt: deps.now,
          updatedAt: deps.now,
        })
        .returning({ id: radiusNas.id })
      const row = await getNas(tx, created!.id, null)
      await recordAudit(tx, {
        actor: deps.actor,
        action: 'radius.nas.create',
        entity: 'radius_nas',
        entityId: row.id,
        after: audited(row),
        ip: deps.ip ?? null,
        at: deps.now,
      })
      return row
    })
  } catch (error) {
    if (isUnique(error)) throw duplicateIp()
    throw error
  }
}

export async function updateNas(
  deps: NasDeps,
  id: number,
  input: NasInput,
  partnerIds: number[] | null,
): Promise<NasRow> {
  const errors = check(input, false, partnerIds)
  if (errors.length) throw new ValidationError(errors)
  try {
    return await deps.db.transaction(async (tx) => {
      const before = await getNas(tx, id, partnerIds)
      await tx
        .update(radiusNas)
        .set({
          ...(input.name !== undefined ? { name: input.name.trim() } : {}),
          ...(input.ipAddress !== undefined ? { ipAddress: input.ipAddress.trim() } : {}),
          ...(input.secret ? { secretEncrypted: encryptSecret(deps.key, input.secret) } : {}),
          ...(input.type !== undefined ? { type: input.type } : {}),
          ...(input.coaPort !== undefined ? { coaPort: input.coaPort } : {}),
          ...(input.requireMessageAuthenticator !== undefined
            ? { requireMessageAuthenticator: input.requireMessageAuthenticator }
            : {}),
          ...(input.partnerId !== undefined ? { partnerId: input.partnerId } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          updatedAt: deps.now,
        })
        .where(eq(radiusNas.id, id))
      const row = await getNas(tx, id, null)
      await recordAudit(tx, {
        actor: deps.actor,
        action: 'radius.nas.update',
        entity: 'radius_nas',
        entityId: id,
        before: audited(before),
        after: { ...audited(row), ...(input.secret ? { secretChanged: true } : {}) },
        ip: deps.ip ?? null,
        at: deps.now,
      })
      return row
    })
  } catch (error) {
    if (isUnique(error)) throw duplicateIp()
    throw error
  }
}

/** Refused while the NAS has online sessions: their accounting would have nowhere to go. */
export async function deleteNas(deps: NasDeps, id: number, partnerIds: number[] | null): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const before = await getNas(tx, id, partnerIds)
    const [online] = await tx
      .select({ n: count() })
      .from(radiusSessions)
      .where(and(eq(radiusSessions.nasId, id), isNull(radiusSessions.stoppedAt)))
    if (online && online.n > 0)
      throw new ConflictError(`NAS ${before.name} has ${online.n} online sessions; disconnect them first`)
    await tx.delete(radiusNas).where(eq(radiusNas.id, id))
    await recordAudit(tx, {
      actor: deps.actor,
      action: 'radius.nas.delete',
      entity: 'radius_nas',
      entityId: id,
      before: audited(before),
      ip: deps.ip ?? null,
      at: deps.now,
    })
  })
}
