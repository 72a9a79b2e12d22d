import { and, asc, count, eq, exists, ilike, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { AppContext } from '../kernel/context.ts'
import { NotFoundError, ValidationError, type FieldError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import { partners } from '../partners/schema.ts'
import type { Actor } from '../partners/scope.ts'
import { isUniqueViolation } from '../partners/service.ts'
import { checkPlanInput, type BundleItemValue, type PlanInput, type PlanValues } from './check-plan.ts'
import { bundleItems, planPartners, plans, taxRates } from './schema.ts'
import type { PlanType } from './validation.ts'

export type PlanDeps = Pick<AppContext, 'clock' | 'emit'>
type PlanRow = typeof plans.$inferSelect

/** A plan with the partners it is limited to and, for a bundle, its plans. */
export type Plan = PlanRow & { partnerIds: number[]; items: BundleItemValue[] }

/** Plans the actor may see: for all partners, or for one of the actor's partners. */
function visibleTo(actor: Pick<Actor, 'partnerIds'>): SQL | undefined {
  if (actor.partnerIds === null) return undefined
  if (actor.partnerIds.length === 0) return eq(plans.allPartners, true)
  return or(
    eq(plans.allPartners, true),
    exists(
      sql`(select 1 from ${planPartners} where ${planPartners.planId} = ${plans.id} and ${inArray(planPartners.partnerId, actor.partnerIds)})`,
    ),
  )
}

async function withRelations(db: DbOrTx, rows: PlanRow[]): Promise<Plan[]> {
  if (rows.length === 0) return []
  const idList = rows.map((r) => r.id)
  const links = await db.select().from(planPartners).where(inArray(planPartners.planId, idList))
  const items = await db
    .select()
    .from(bundleItems)
    .where(inArray(bundleItems.bundleId, idList))
    .orderBy(asc(bundleItems.planId))
  return rows.map((r) => ({
    ...r,
    partnerIds: links
      .filter((l) => l.planId === r.id)
      .map((l) => l.partnerId)
      .sort((a, b) => a - b),
    items: items.filter((i) => i.bundleId === r.id).map(({ planId, quantity }) => ({ planId, quantity })),
  }))
}

async function loadRow(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  id: number,
  lock = false,
): Promise<PlanRow> {
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw new NotFoundError('Plan', id)
  const query = db
    .select()
    .from(plans)
    .where(and(eq(plans.id, id), visibleTo(actor)))
  const [row] = lock ? await query.for('update') : await query
  if (!row) throw new NotFoundError('Plan', id)
  return row
}

export async function getPlan(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<Plan> {
  const [plan] = await withRelations(db, [await loadRow(db, actor, id)])
  return plan!
}

export interface PlanListQuery {
  type?: PlanType
  active?: boolean
  /** Plans a customer of this partner can get. */
  partnerId?: number
  q?: string
  limit?: number
  offset?: number
}

export async function listPlans(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  query: PlanListQuery = {},
): Promise<{ items: Plan[]; total: number; limit: number; offset: number }> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500)
  const offset = Math.max(query.offset ?? 0, 0)
  const where = and(
    visibleTo(actor),
    query.type ? eq(plans.type, query.type) : undefined,
    query.active === undefined ? undefined : eq(plans.active, query.active),
    query.partnerId === undefined
      ? undefined
      : or(
          eq(plans.allPartners, true),
          exists(
            sql`(select 1 from ${planPartners} where ${planPartners.planId} = ${plans.id} and ${planPartners.partnerId} = ${query.partnerId})`,
          ),
        ),
    query.q ? ilike(plans.name, `%${query.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`) : undefined,
  )
  const rows = await db
    .select()
    .from(plans)
    .where(where)
    .orderBy(asc(plans.type), asc(plans.name), asc(plans.id))
    .limit(limit)
    .offset(offset)
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(plans).where(where)
  return { items: await withRelations(db, rows), total: n, limit, offset }
}

/** Checks what only the database can tell: the tax rate, partners and bundled plans exist and may be used. */
async function checkReferences(
  tx: DbOrTx,
  actor: Actor,
  v: PlanValues,
  selfId: number | null,
  errors: FieldError[],
): Promise<void> {
  if (v.taxRateId !== null) {
    const [rate] = await tx
      .select({ active: taxRates.active })
      .from(taxRates)
      .where(eq(taxRates.id, v.taxRateId))
    if (!rate) errors.push({ field: 'taxRateId', message: `tax rate ${v.taxRateId} does not exist` })
  }
  if (actor.partnerIds !== null) {
    if (v.allPartners)
      errors.push({ field: 'allPartners', message: 'you may only make plans for your own partners' })
    const foreign = v.partnerIds.filter((p) => !actor.partnerIds!.includes(p))
    if (foreign.length) errors.push({ field: 'partnerIds', message: `partner ${foreign[0]} does not exist` })
  }
  if (!v.allPartners && v.partnerIds.length) {
    const found = await tx
      .select({ id: partners.id })
      .from(partners)
      .where(inArray(partners.id, v.partnerIds))
    const missing = v.partnerIds.find((p) => !found.some((f) => f.id === p))
    if (missing !== undefined)
      errors.push({ field: 'partnerIds', message: `partner ${missing} does not exist` })
  }
  if (v.type === 'bundle' && v.items.length) {
    const found = await tx
      .select({ id: plans.id, type: plans.type })
      .from(plans)
      .where(
        inArray(
          plans.id,
          v.items.map((i) => i.planId),
        ),
      )
    for (const [i, item] of v.items.entries()) {
      const plan = found.find((f) => f.id === item.planId)
      if (!plan || item.planId === selfId)
        errors.push({ field: `items.${i}.planId`, message: `plan ${item.planId} does not exist` })
      else if (plan.type === 'bundle' || plan.type === 'one_time') {
        errors.push({
          field: `items.${i}.planId`,
          message: `a bundle cannot hold a ${plan.type.replace('_', '-')} plan`,
        })
      }
    }
  }
}

function rowValues(v: PlanValues): Omit<typeof plans.$inferInsert, 'id' | 'createdAt' | 'updatedAt'> {
  const { partnerIds: _p, items: _i, ...columns } = v
  return columns
}

async function saveRelations(tx: DbOrTx, id: number, v: PlanValues): Promise<void> {
  await tx.delete(planPartners).where(eq(planPartners.planId, id))
  if (!v.allPartners && v.partnerIds.length) {
    await tx.insert(planPartners).values(v.partnerIds.map((partnerId) => ({ planId: id, partnerId })))
  }
  await tx.delete(bundleItems).where(eq(bundleItems.bundleId, id))
  if (v.items.length) await tx.insert(bundleItems).values(v.items.map((i) => ({ bundleId: id, ...i })))
}

function nameTaken(err: unknown, type: string): never {
  if (isUniqueViolation(err))
    throw new ValidationError([
      { field: 'name', message: `is already used by another ${type.replace('_', '-')} plan` },
    ])
  throw err
}

export async function createPlan(db: DbOrTx, deps: PlanDeps, actor: Actor, input: PlanInput): Promise<Plan> {
  const { values, errors } = checkPlanInput(input)
  return db.transaction(async (tx) => {
    await checkReferences(tx, actor, values, null, errors)
    if (errors.length) throw new ValidationError(errors)
    const now = deps.clock.now()
    const [row] = await tx
      .insert(plans)
      .values({ ...rowValues(values), createdAt: now, updatedAt: now })
      .returning()
      .catch((err) => nameTaken(err, values.type))
    await saveRelations(tx, row!.id, values)
    const [plan] = await withRelations(tx, [row!])
    await auditChange(tx, deps.clock, actor, {
      action: 'plan.create',
      entity: 'plan',
      entityId: row!.id,
      after: plan,
    })
    await deps.emit(tx, 'plan.created', { planId: row!.id, type: row!.type })
    return plan!
  })
}

const CAP_FIELDS = [
  'capDirection',
  'capAction',
  'capDownloadKbps',
  'capUploadKbps',
  'capReducePercent',
  'topUps',
]

/**
 * Changes the given fields of a plan; the merged plan is checked as a whole. The type never changes.
 * Emits `plan.updated` with the changed fields, so network plugins can re-apply speeds.
 */
export async function updatePlan(
  db: DbOrTx,
  deps: PlanDeps,
  actor: Actor,
  id: number,
  patch: PlanInput,
): Promise<Plan> {
  return db.transaction(async (tx) => {
    const before = await loadRow(tx, actor, id, true)
    const [current] = await withRelations(tx, [before])
    const errors: FieldError[] = []
    if (patch['type'] !== undefined && patch['type'] !== before.type) {
      errors.push({ field: 'type', message: 'cannot change; create a new plan instead' })
    }
    const merged: PlanInput = { ...current, ...patch, type: before.type }
    // Removing the cap removes what hangs on it.
    if (patch['capMb'] === null) for (const f of CAP_FIELDS) if (patch[f] === undefined) merged[f] = null
    if (patch['allPartners'] === true && patch['partnerIds'] === undefined) merged['partnerIds'] = []
    const { values, errors: inputErrors } = checkPlanInput(merged)
    errors.push(...inputErrors)
    await checkReferences(tx, actor, values, id, errors)
    if (errors.length) throw new ValidationError(errors)
    const [row] = await tx
      .update(plans)
      .set({ ...rowValues(values), updatedAt: deps.clock.now() })
      .where(eq(plans.id, id))
      .returning()
      .catch((err) => nameTaken(err, values.type))
    await saveRelations(tx, id, values)
    const [after] = await withRelations(tx, [row!])
    const changed = (Object.keys(after!) as (keyof Plan)[]).filter(
      (k) => k !== 'updatedAt' && JSON.stringify(after![k]) !== JSON.stringify(current![k]),
    )
    if (changed.length === 0) return after!
    await auditChange(tx, deps.clock, actor, {
      action: 'plan.update',
      entity: 'plan',
      entityId: id,
      before: current,
      after,
    })
    await deps.emit(tx, 'plan.updated', { planId: id, type: before.type, changed })
    return after!
  })
}
