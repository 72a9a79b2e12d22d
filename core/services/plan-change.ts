import { and, asc, eq, inArray, lte, isNotNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { customers } from '../customers/schema.ts'
import type { Clock } from '../kernel/clock.ts'
import { isIsoDate } from '../kernel/dates.ts'
import { StateError, ValidationError, type FieldError } from '../kernel/errors.ts'
import { emitEvent } from '../kernel/events/outbox.ts'
import { auditChange } from '../partners/audit.ts'
import { systemActor, type Actor } from '../partners/scope.ts'
import { planPartners, plans } from '../plans/schema.ts'
import { loadService, planById, planForPartner, publicService, validId, type Service, type ServiceDeps } from './access.ts'
import { services } from './schema.ts'
import { switchPlan } from './service.ts'
import { LIVE_STATUSES } from './validation.ts'

type Deps = Pick<ServiceDeps, 'clock' | 'emit'>

function checkDate(value: unknown, field: string, today: string, errors: FieldError[]): string | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    errors.push({ field, message: 'must be a date as YYYY-MM-DD' })
    return null
  }
  if (!isIsoDate(value)) {
    errors.push({ field, message: `${value} is not a day of the calendar` })
    return null
  }
  if (value < today) {
    errors.push({ field, message: `must be today (${today}) or later` })
    return null
  }
  return value
}

/**
 * Schedules a move to another plan of the same type from a date (today or later); a change due
 * today is applied at once. Replaces any change scheduled before.
 */
export async function schedulePlanChange(
  db: DbOrTx,
  deps: Deps,
  actor: Actor,
  id: number,
  input: { planId?: unknown; effectiveDate?: unknown },
): Promise<Service> {
  const today = deps.clock.today().toString()
  const errors: FieldError[] = []
  const planId = typeof input.planId === 'number' ? input.planId : Number(input.planId)
  if (!validId(planId)) errors.push({ field: 'planId', message: 'is required' })
  const date = checkDate(input.effectiveDate, 'effectiveDate', today, errors)
  return db.transaction(async (tx) => {
    const { row: before, partnerId } = await loadService(tx, actor, id, true)
    if (!LIVE_STATUSES.includes(before.status)) throw new StateError(`A ${before.status} service cannot change plans`)
    if (validId(planId)) {
      const plan = await planForPartner(tx, planId, partnerId)
      if (!plan) errors.push({ field: 'planId', message: `plan ${planId} does not exist or is not available to this customer's partner` })
      else if (plan.id === before.planId) errors.push({ field: 'planId', message: 'is the current plan' })
      else if (plan.type !== before.type)
        errors.push({ field: 'planId', message: `must be a ${before.type.replace('_', '-')} plan like the current one` })
    }
    if (date && before.endDate && date > before.endDate)
      errors.push({ field: 'effectiveDate', message: `must not be after the service's end date ${before.endDate}` })
    if (errors.length) throw new ValidationError(errors)
    const [row] = await tx
      .update(services)
      .set({ nextPlanId: planId, planChangeDate: date, updatedAt: deps.clock.now() })
      .where(eq(services.id, id))
      .returning()
    await auditChange(tx, deps.clock, actor, {
      action: 'service.schedule_plan_change',
      entity: 'service',
      entityId: id,
      before: { planId: before.planId, nextPlanId: before.nextPlanId, planChangeDate: before.planChangeDate },
      after: { planId: row!.planId, nextPlanId: row!.nextPlanId, planChangeDate: row!.planChangeDate },
    })
    await deps.emit(tx, 'service.updated', {
      serviceId: id,
      customerId: row!.customerId,
      partnerId,
      changed: ['nextPlanId', 'planChangeDate'],
    })
    if (date === today) return publicService(await applyOne(tx, deps, id, today), partnerId)
    return publicService(row!, partnerId)
  })
}

/** Drops a scheduled plan change. */
export async function cancelPlanChange(db: DbOrTx, deps: Deps, actor: Actor, id: number): Promise<Service> {
  return db.transaction(async (tx) => {
    const { row: before, partnerId } = await loadService(tx, actor, id, true)
    if (before.nextPlanId === null) return publicService(before, partnerId)
    const [row] = await tx
      .update(services)
      .set({ nextPlanId: null, planChangeDate: null, updatedAt: deps.clock.now() })
      .where(eq(services.id, id))
      .returning()
    await auditChange(tx, deps.clock, actor, {
      action: 'service.cancel_plan_change',
      entity: 'service',
      entityId: id,
      before: { nextPlanId: before.nextPlanId, planChangeDate: before.planChangeDate },
      after: { nextPlanId: null, planChangeDate: null },
    })
    await deps.emit(tx, 'service.updated', { serviceId: id, customerId: row!.customerId, partnerId, changed: ['nextPlanId', 'planChangeDate'] })
    return publicService(row!, partnerId)
  })
}

/** Applies the scheduled change of one locked-for-update service in the caller's transaction. */
async function applyOne(tx: DbOrTx, deps: Deps, id: number, today: string) {
  const { row, partnerId } = await loadService(tx, systemActor, id, true)
  if (row.nextPlanId === null || row.planChangeDate === null || row.planChangeDate > today) return row
  const oldPlan = await planById(tx, row.planId)
  const newPlan = await planById(tx, row.nextPlanId)
  const after = await switchPlan(tx, deps, row, partnerId, oldPlan, newPlan, row.planChangeDate)
  await auditChange(tx, deps.clock, systemActor, {
    action: 'service.plan_change',
    entity: 'service',
    entityId: id,
    before: { planId: oldPlan.id, description: row.description, unitPrice: row.unitPrice },
    after: { planId: newPlan.id, description: after.description, unitPrice: after.unitPrice, effectiveDate: row.planChangeDate },
  })
  return after
}

/**
 * Applies every plan change due today or earlier, one transaction per service so one bad row does not
 * hold the others back. Called by the billing engine's daily job; safe to run again.
 */
export async function applyDuePlanChanges(
  db: DbOrTx,
  clock: Clock,
  emit: Deps['emit'] = emitEvent,
): Promise<{ applied: number[] }> {
  const today = clock.today().toString()
  const due = await db
    .select({ id: services.id })
    .from(services)
    .where(and(isNotNull(services.nextPlanId), lte(services.planChangeDate, today), inArray(services.status, [...LIVE_STATUSES])))
    .orderBy(asc(services.planChangeDate), asc(services.id))
  const applied: number[] = []
  for (const { id } of due) {
    const row = await db.transaction((tx) => applyOne(tx, { clock, emit }, id, today))
    if (row.nextPlanId === null) applied.push(id)
  }
  return { applied }
}

export interface MassPlanChange {
  fromPlanId: number
  toPlanId: number
  effectiveDate: string
}

/**
 * Moves every live service of one plan (of the partners the actor sees) to another plan from a date:
 * scheduled on each service, and applied at once when the date is today. Refused as a whole when the
 * new plan is not available to some of those customers' partners.
 */
export async function massPlanChange(
  db: DbOrTx,
  deps: Deps,
  actor: Actor,
  input: MassPlanChange,
): Promise<{ services: number; applied: number }> {
  const today = deps.clock.today().toString()
  const errors: FieldError[] = []
  const date = checkDate(input.effectiveDate, 'effectiveDate', today, errors)
  return db.transaction(async (tx) => {
    const [from] = validId(input.fromPlanId) ? await tx.select().from(plans).where(eq(plans.id, input.fromPlanId)) : []
    const [to] = validId(input.toPlanId) ? await tx.select().from(plans).where(eq(plans.id, input.toPlanId)) : []
    if (!from) errors.push({ field: 'fromPlanId', message: `plan ${input.fromPlanId} does not exist` })
    if (!to?.active) errors.push({ field: 'toPlanId', message: `plan ${input.toPlanId} does not exist or is archived` })
    else if (from && to.id === from.id) errors.push({ field: 'toPlanId', message: 'must differ from the current plan' })
    else if (from && to.type !== from.type)
      errors.push({ field: 'toPlanId', message: `must be a ${from.type.replace('_', '-')} plan like the current one` })
    if (errors.length) throw new ValidationError(errors)

    const scope = actor.partnerIds === null ? undefined : inArray(customers.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1])
    const targets = await tx
      .select({ id: services.id, partnerId: customers.partnerId })
      .from(services)
      .innerJoin(customers, eq(customers.id, services.customerId))
      .where(
        and(
          eq(services.planId, from!.id),
          inArray(services.status, [...LIVE_STATUSES]),
          sql`(${services.endDate} is null or ${services.endDate} >= ${date})`,
          scope,
        ),
      )
      .orderBy(asc(services.id))
    if (!to!.allPartners) {
      const allowed = new Set(
        (await tx.select({ p: planPartners.partnerId }).from(planPartners).where(eq(planPartners.planId, to!.id))).map((r) => r.p),
      )
      const refused = targets.filter((t) => !allowed.has(t.partnerId))
      if (refused.length)
        throw new ValidationError([
          { field: 'toPlanId', message: `is not available to the partner of ${refused.length} of these customers (service ${refused[0]!.id} first)` },
        ])
    }
    const ids = targets.map((t) => t.id)
    if (ids.length) {
      await tx
        .update(services)
        .set({ nextPlanId: to!.id, planChangeDate: date, updatedAt: deps.clock.now() })
        .where(inArray(services.id, ids))
    }
    let applied = 0
    if (date === today) for (const id of ids) if ((await applyOne(tx, deps, id, today)).nextPlanId === null) applied++
    await auditChange(tx, deps.clock, actor, {
      action: 'service.mass_plan_change',
      entity: 'plan',
      entityId: from!.id,
      after: { fromPlanId: from!.id, toPlanId: to!.id, effectiveDate: date, serviceIds: ids },
    })
    return { services: ids.length, applied }
  })
}
