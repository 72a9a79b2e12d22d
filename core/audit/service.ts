import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import type { DbOrTx } from '../../db/client.ts'
import { auditLog } from './schema.ts'

export type ActorType = 'admin' | 'api' | 'customer' | 'system'

export interface Actor {
  type: ActorType
  id: number | null
  name: string | null
}

export interface AuditEntry {
  actor: Actor
  /** e.g. customer.update, admin.login, role.create */
  action: string
  entity: string
  entityId?: string | number | bigint | null
  before?: unknown
  after?: unknown
  ip?: string | null
  /** When it happened; pass the app clock's now. Defaults to the database's now(). */
  at?: Date
}

const SECRET_KEY = /password|secret|hash|token|recovery|totp/i

/** Copies a value for the audit log with every secret-looking field replaced, at any depth. */
export function redact(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(redact)
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue
      out[k] = SECRET_KEY.test(k) ? (v === null || v === '' ? v : '[redacted]') : redact(v)
    }
    return out
  }
  return value
}

/** Writes one audit row; call it with the transaction that makes the change. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    at: entry.at ?? sql`now()`,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    actorName: entry.actor.name,
    ip: entry.ip ?? null,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
    before: entry.before === undefined ? null : redact(entry.before),
    after: entry.after === undefined ? null : redact(entry.after),
  })
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'system' }

/** The actor of a request: the admin (by session or API key), the portal customer, or the system. */
export function actorOf(request: FastifyRequest): Actor {
  const admin = request.admin
  if (admin) {
    return admin.via === 'apikey'
      ? { type: 'api', id: admin.id, name: `${admin.login} (API key #${admin.apiKeyId})` }
      : { type: 'admin', id: admin.id, name: admin.login }
  }
  const customer = request.customer
  if (customer) return { type: 'customer', id: customer.id, name: customer.login }
  return SYSTEM_ACTOR
}

/** Who, from where and when, for `recordAudit(tx, { ...auditContext(request), action, entity, ... })`. */
export function auditContext(request: FastifyRequest): { actor: Actor; ip: string; at: Date } {
  return { actor: actorOf(request), ip: request.ip, at: request.server.ctx.clock.now() }
}

export interface AuditFilter {
  entity?: string
  entityId?: string
  /** Matches the actor's name (login) or, when numeric, the actor id. */
  actor?: string
  /** Exact action, or a prefix ending with '.' (e.g. 'admin.'). */
  action?: string
  /** Inclusive lower bound. */
  from?: Date
  /** Exclusive upper bound. */
  to?: Date
}

export interface AuditRow {
  id: string
  at: Date
  actorType: string
  actorId: number | null
  actorName: string | null
  ip: string | null
  action: string
  entity: string
  entityId: string | null
  before: unknown
  after: unknown
}

function where(f: AuditFilter): SQL | undefined {
  const conds: SQL[] = []
  if (f.entity) conds.push(eq(auditLog.entity, f.entity))
  if (f.entityId) conds.push(eq(auditLog.entityId, f.entityId))
  if (f.actor) {
    const byName = ilike(auditLog.actorName, `${f.actor.replace(/[%_\\]/g, '\\$&')}%`)
    conds.push(/^\d+$/.test(f.actor) ? or(eq(auditLog.actorId, Number(f.actor)), byName)! : byName)
  }
  if (f.action) {
    conds.push(
      f.action.endsWith('.')
        ? ilike(auditLog.action, `${f.action.replace(/[%_\\]/g, '\\$&')}%`)
        : eq(auditLog.action, f.action),
    )
  }
  if (f.from) conds.push(gte(auditLog.at, f.from))
  if (f.to) conds.push(lt(auditLog.at, f.to))
  return conds.length ? and(...conds) : undefined
}

/** One page of audit rows, newest first, and the total count under the filter. */
export async function listAudit(
  db: DbOrTx,
  filter: AuditFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: AuditRow[]; total: number }> {
  const cond = where(filter)
  const list = await db
    .select()
    .from(auditLog)
    .where(cond)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(page.limit)
    .offset(page.offset)
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(cond)
  return { rows: list.map((r) => ({ ...r, id: r.id.toString() })), total: count?.n ?? 0 }
}

/** Every row under the filter, newest first, in batches (for the CSV export). */
export async function* iterateAudit(db: DbOrTx, filter: AuditFilter, batch = 1000): AsyncGenerator<AuditRow> {
  for (let offset = 0; ; offset += batch) {
    const { rows } = await listAudit(db, filter, { limit: batch, offset })
    yield* rows
    if (rows.length < batch) return
  }
}

/** Distinct entities and actions present, for the filter drop-downs. */
export async function auditFacets(db: DbOrTx): Promise<{ entities: string[]; actions: string[] }> {
  const entities = await db.selectDistinct({ v: auditLog.entity }).from(auditLog).orderBy(auditLog.entity)
  const actions = await db.selectDistinct({ v: auditLog.action }).from(auditLog).orderBy(auditLog.action)
  return { entities: entities.map((r) => r.v), actions: actions.map((r) => r.v) }
}
