import { randomBytes } from 'node:crypto'
import { and, asc, eq, inArray, ne, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { decryptSecret, encryptSecret, instanceKey } from '../kernel/secrets.ts'
import { StateError, ValidationError, type FieldError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import type { Actor } from '../partners/scope.ts'
import { isUniqueViolation } from '../partners/service.ts'
import {
  loadCustomer,
  loadService,
  planById,
  planForPartner,
  planSummary,
  publicService,
  type PlanRow,
  type Service,
  type ServiceDeps,
  type ServiceRow,
} from './access.ts'
import { servicePlanChanges, services } from './schema.ts'
import {
  checkMerged,
  checkServiceInput,
  LIVE_STATUSES,
  STATUS_TRANSITIONS,
  type ServiceInput,
  type ServiceStatus,
  type ServiceValues,
} from './validation.ts'

export type { Service, ServiceDeps, ServiceInput }

/** The later of two ISO days (they compare as strings). */
const laterDay = (a: string, b: string) => [a, b].sort()[1]!

const INITIAL_STATUSES: readonly ServiceStatus[] = ['pending', 'active', 'disabled']

function throwIf(errors: FieldError[]): void {
  if (errors.length) throw new ValidationError(errors)
}

/** Which field a unique index violation is about. */
function uniqueField(err: unknown): string {
  let e = err as { constraint_name?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 4 && e; i++) {
    if (typeof e.constraint_name === 'string')
      return e.constraint_name.includes('ipv4') ? 'ipv4Address' : 'login'
    e = e.cause as typeof e
  }
  return 'login'
}

function rethrowUnique(err: unknown): never {
  if (isUniqueViolation(err)) {
    const field = uniqueField(err)
    throw new ValidationError([
      { field, message: field === 'login' ? 'is already taken' : 'is already used by another service' },
    ])
  }
  throw err
}

/** Another live internet service already holding this value of login / ipv4Address. */
async function takenBy(
  tx: DbOrTx,
  column: 'login' | 'ipv4Address',
  value: string,
  exceptId?: number,
): Promise<boolean> {
  const conds: (SQL | undefined)[] = [
    eq(services[column], value),
    eq(services.type, 'internet'),
    inArray(services.status, [...LIVE_STATUSES]),
    exceptId === undefined ? undefined : ne(services.id, exceptId),
  ]
  const [hit] = await tx
    .select({ id: services.id })
    .from(services)
    .where(and(...conds))
    .limit(1)
  return hit !== undefined
}

async function checkUnique(
  tx: DbOrTx,
  row: { login: string | null; ipv4Address: string | null },
  errors: FieldError[],
  exceptId?: number,
) {
  if (row.login && (await takenBy(tx, 'login', row.login, exceptId)))
    errors.push({ field: 'login', message: 'is already taken' })
  if (row.ipv4Address && (await takenBy(tx, 'ipv4Address', row.ipv4Address, exceptId)))
    errors.push({ field: 'ipv4Address', message: 'is already used by another service' })
}

/** The customer's login for their first internet service, then login-2, login-3 ... */
async function freeLogin(tx: DbOrTx, base: string): Promise<string> {
  let candidate = base
  for (let n = 2; await takenBy(tx, 'login', candidate); n++) candidate = `${base}-${n}`
  return candidate
}

const newPassword = () => randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 10)

function planError(field: string, planId: number): FieldError {
  return { field, message: `plan ${planId} does not exist or is not available to this customer's partner` }
}

/** Creates a service for a customer: validated, login defaulted for internet, password sealed, audited, `service.created` emitted. */
export async function createService(
  db: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  customerId: number,
  input: ServiceInput,
): Promise<Service> {
  const { values, errors } = checkServiceInput(input, false)
  const key = await instanceKey(deps)
  return db.transaction(async (tx) => {
    const customer = await loadCustomer(tx, actor, customerId)
    const plan =
      values.planId === undefined ? null : await planForPartner(tx, values.planId, customer.partnerId)
    if (values.planId !== undefined && !plan) errors.push(planError('planId', values.planId))
    if (values.status && !INITIAL_STATUSES.includes(values.status))
      errors.push({ field: 'status', message: `a new service is ${INITIAL_STATUSES.join(', ')}` })
    const today = deps.clock.today().toString()
    const type = plan?.type ?? 'internet'
    const internet = type === 'internet'
    const draft = {
      type,
      startDate: values.startDate ?? today,
      endDate: values.endDate ?? null,
      discountPercent: values.discountPercent ?? '0',
      discountStart: values.discountStart ?? null,
      discountEnd: values.discountEnd ?? null,
      login: values.login ?? null,
      ipv4Address: values.ipv4Address ?? null,
      ipv6Address: values.ipv6Address ?? null,
      ipPool: values.ipPool ?? null,
      mac: values.mac ?? null,
      nasId: values.nasId ?? null,
    }
    if (plan) {
      checkMerged(draft, errors)
      if (!internet && values.password)
        errors.push({ field: 'password', message: 'only internet services have network settings' })
    }
    if (internet) await checkUnique(tx, draft, errors)
    throwIf(errors)

    const login = internet ? (draft.login ?? (await freeLogin(tx, customer.login))) : null
    const password = internet ? (values.password ?? newPassword()) : null
    const now = deps.clock.now()
    const [row] = await tx
      .insert(services)
      .values({
        ...draft,
        customerId: customer.id,
        planId: plan!.id,
        description: values.description ?? plan!.name,
        quantity: values.quantity ?? '1',
        unitPrice: values.unitPrice ?? null,
        // Billing starts on the start date whatever the status; pending means waiting for an admin (installation).
        status: values.status ?? 'active',
        login,
        passwordEncrypted: password ? encryptSecret(key, password) : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .catch(rethrowUnique)
    const service = publicService(row!, customer.partnerId)
    await auditChange(tx, deps.clock, actor, {
      action: 'service.create',
      entity: 'service',
      entityId: row!.id,
      after: service,
    })
    await deps.emit(tx, 'service.created', {
      serviceId: row!.id,
      customerId: customer.id,
      partnerId: customer.partnerId,
      planId: plan!.id,
      type,
      status: row!.status,
      login,
    })
    return service
  })
}

export async function getService(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<Service> {
  const { row, partnerId } = await loadService(db, actor, id)
  return publicService(row, partnerId)
}

/** A customer's services, live ones first (archived last), oldest first within. */
export async function listServices(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  customerId: number,
  query: { status?: ServiceStatus } = {},
): Promise<Service[]> {
  const customer = await loadCustomer(db, actor, customerId)
  const rows = await db
    .select()
    .from(services)
    .where(
      and(eq(services.customerId, customer.id), query.status ? eq(services.status, query.status) : undefined),
    )
    .orderBy(asc(services.startDate), asc(services.id))
  const rank = (s: ServiceRow) => (s.status === 'archived' ? 1 : 0)
  return rows.sort((a, b) => rank(a) - rank(b)).map((r) => publicService(r, customer.partnerId))
}

/** The clear-text password of an internet service (for admins holding services.password.view). */
export async function getServicePassword(
  db: DbOrTx,
  deps: Pick<ServiceDeps, 'config'>,
  actor: Pick<Actor, 'partnerIds'>,
  id: number,
): Promise<string | null> {
  const { row } = await loadService(db, actor, id)
  return row.passwordEncrypted ? decryptSecret(await instanceKey(deps), row.passwordEncrypted) : null
}

function changedFields(before: ServiceRow, after: ServiceRow): string[] {
  return (Object.keys(after) as (keyof ServiceRow)[]).filter(
    (k) => k !== 'updatedAt' && JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  )
}

/** Applies a plan change to a locked service row in the caller's transaction: history, event. */
export async function switchPlan(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'clock' | 'emit'>,
  before: ServiceRow,
  partnerId: number,
  oldPlan: PlanRow,
  newPlan: PlanRow,
  effectiveDate: string,
  extra: Partial<typeof services.$inferInsert> = {},
): Promise<ServiceRow> {
  const [row] = await tx
    .update(services)
    .set({
      ...extra,
      planId: newPlan.id,
      // The old plan's name as the line text follows the plan; a custom text stays. A price override was for the old plan.
      description:
        extra.description ?? (before.description === oldPlan.name ? newPlan.name : before.description),
      unitPrice: extra.unitPrice !== undefined ? extra.unitPrice : null,
      nextPlanId: null,
      planChangeDate: null,
      updatedAt: deps.clock.now(),
    })
    .where(eq(services.id, before.id))
    .returning()
  await tx.insert(servicePlanChanges).values({
    serviceId: before.id,
    fromPlanId: oldPlan.id,
    toPlanId: newPlan.id,
    effectiveDate,
    appliedAt: deps.clock.now(),
  })
  await deps.emit(tx, 'service.plan_changed', {
    serviceId: before.id,
    customerId: before.customerId,
    partnerId,
    login: before.login,
    status: row!.status,
    effectiveDate,
    oldPlan: planSummary(oldPlan),
    newPlan: planSummary(newPlan),
  })
  return row!
}

/**
 * Changes the given fields. A new planId is a plan change effective today (same type, available to
 * the partner). Archived services are read-only; status goes through changeServiceStatus.
 */
export async function updateService(
  db: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  id: number,
  input: ServiceInput,
): Promise<Service> {
  const { values, errors } = checkServiceInput(input, true)
  if (values.status !== undefined)
    errors.push({ field: 'status', message: 'change it with the status action' })
  const key = values.password ? await instanceKey(deps) : ''
  return db.transaction(async (tx) => {
    const { row: before, partnerId } = await loadService(tx, actor, id, true)
    if (before.status === 'archived') throw new StateError('An archived service cannot be changed')
    let newPlan: PlanRow | null = null
    if (values.planId !== undefined && values.planId !== before.planId) {
      newPlan = await planForPartner(tx, values.planId, partnerId)
      if (!newPlan) errors.push(planError('planId', values.planId))
      else if (newPlan.type !== before.type)
        errors.push({
          field: 'planId',
          message: `must be a ${before.type.replace('_', '-')} plan like the current one`,
        })
    }
    const set = patchSet(values)
    // An emptied invoice text falls back to the plan's name.
    if (values.description === null) set.description = (newPlan ?? (await planById(tx, before.planId))).name
    const merged = { ...before, ...set }
    checkMerged(merged, errors)
    if (before.type !== 'internet' && values.password)
      errors.push({ field: 'password', message: 'only internet services have network settings' })
    if (before.type === 'internet' && merged.login === null)
      errors.push({ field: 'login', message: 'is required for an internet service' })
    if (before.type === 'internet' && LIVE_STATUSES.includes(before.status))
      await checkUnique(tx, merged, errors, id)
    throwIf(errors)

    if (values.password === null) set.passwordEncrypted = null
    else if (values.password) set.passwordEncrypted = encryptSecret(key, values.password)
    let row: ServiceRow
    if (newPlan) {
      const oldPlan = await planById(tx, before.planId)
      row = await switchPlan(
        tx,
        deps,
        before,
        partnerId,
        oldPlan,
        newPlan,
        deps.clock.today().toString(),
        set,
      ).catch(rethrowUnique)
    } else {
      ;[row] = (await tx
        .update(services)
        .set({ ...set, updatedAt: deps.clock.now() })
        .where(eq(services.id, id))
        .returning()
        .catch(rethrowUnique)) as [ServiceRow]
    }
    const changed = changedFields(before, row)
    const after = publicService(row, partnerId)
    if (changed.length === 0) return after
    await auditChange(tx, deps.clock, actor, {
      action: 'service.update',
      entity: 'service',
      entityId: id,
      before: publicService(before, partnerId),
      after,
    })
    await deps.emit(tx, 'service.updated', { serviceId: id, customerId: row.customerId, partnerId, changed })
    return after
  })
}

function patchSet(v: ServiceValues): Partial<typeof services.$inferInsert> {
  const set: Partial<typeof services.$inferInsert> = {}
  if (v.description) set.description = v.description
  const keys = [
    'quantity',
    'unitPrice',
    'discountPercent',
    'discountStart',
    'discountEnd',
    'startDate',
    'endDate',
    'login',
    'ipv4Address',
    'ipv6Address',
    'ipPool',
    'mac',
    'nasId',
  ] as const
  for (const k of keys) if (v[k] !== undefined) (set as Record<string, unknown>)[k] = v[k]
  return set
}

/**
 * Moves a service to another status by the rules of STATUS_TRANSITIONS. Stopping without an end date
 * ends it today (billing stops); reactivating a stopped service clears its end date.
 */
export async function changeServiceStatus(
  db: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  id: number,
  status: ServiceStatus,
): Promise<Service> {
  const { values, errors } = checkServiceInput({ status }, true)
  if (!values.status) errors.push({ field: 'status', message: 'is required' })
  throwIf(errors)
  const to = values.status!
  return db.transaction(async (tx) => {
    const { row: before, partnerId } = await loadService(tx, actor, id, true)
    if (before.status === to) return publicService(before, partnerId)
    if (!STATUS_TRANSITIONS[before.status].includes(to)) {
      const allowed = STATUS_TRANSITIONS[before.status]
      throw new StateError(
        `A ${before.status} service cannot become ${to}` +
          (allowed.length ? ` (it can become ${allowed.join(', ')})` : ''),
      )
    }
    const today = deps.clock.today().toString()
    const set: Partial<typeof services.$inferInsert> = { status: to, updatedAt: deps.clock.now() }
    if (to === 'stopped') {
      if (before.endDate === null || before.endDate > today) set.endDate = laterDay(today, before.startDate)
      set.nextPlanId = null
      set.planChangeDate = null
    }
    if (to === 'archived') {
      set.nextPlanId = null
      set.planChangeDate = null
    }
    if (before.status === 'stopped' && to === 'active') {
      set.endDate = null
      if (before.type === 'internet') {
        const errs: FieldError[] = []
        await checkUnique(tx, before, errs, id)
        throwIf(errs)
      }
    }
    const [row] = (await tx
      .update(services)
      .set(set)
      .where(eq(services.id, id))
      .returning()
      .catch(rethrowUnique)) as [ServiceRow]
    await recordEnd(tx, deps, actor, 'service.status', before, row, partnerId)
    return publicService(row, partnerId)
  })
}

/**
 * Ends a service on a date (its last billed day). An end today or earlier stops it now; a later one
 * leaves it running until then. A plan change scheduled after the end is dropped.
 */
export async function endService(
  db: DbOrTx,
  deps: ServiceDeps,
  actor: Actor,
  id: number,
  endDate: string,
): Promise<Service> {
  const { values, errors } = checkServiceInput({ endDate }, true)
  if (!values.endDate) errors.push({ field: 'endDate', message: 'is required' })
  throwIf(errors)
  return db.transaction(async (tx) => {
    const { row: before, partnerId } = await loadService(tx, actor, id, true)
    if (before.status === 'archived' || before.status === 'stopped')
      throw new StateError(`A ${before.status} service has already ended`)
    const end = values.endDate!
    if (end < before.startDate)
      throw new ValidationError([
        { field: 'endDate', message: `must not be before the start date ${before.startDate}` },
      ])
    const stopNow = end <= deps.clock.today().toString() && before.status !== 'pending'
    const dropChange = before.planChangeDate !== null && before.planChangeDate > end
    const set: Partial<typeof services.$inferInsert> = { endDate: end, updatedAt: deps.clock.now() }
    if (stopNow) set.status = 'stopped'
    if (before.status === 'pending' && end <= deps.clock.today().toString()) set.status = 'archived'
    if (dropChange || set.status) Object.assign(set, { nextPlanId: null, planChangeDate: null })
    const [row] = (await tx.update(services).set(set).where(eq(services.id, id)).returning()) as [ServiceRow]
    await deps.emit(tx, 'service.updated', {
      serviceId: id,
      customerId: row.customerId,
      partnerId,
      changed: changedFields(before, row),
    })
    await recordEnd(tx, deps, actor, 'service.end', before, row, partnerId)
    return publicService(row, partnerId)
  })
}

/** Audits a change of status or end date and emits service.status_changed when the status moved. */
async function recordEnd(
  tx: DbOrTx,
  deps: Pick<ServiceDeps, 'clock' | 'emit'>,
  actor: Actor,
  action: 'service.status' | 'service.end',
  before: ServiceRow,
  row: ServiceRow,
  partnerId: number,
): Promise<void> {
  await auditChange(tx, deps.clock, actor, {
    action,
    entity: 'service',
    entityId: row.id,
    before: { status: before.status, endDate: before.endDate },
    after: { status: row.status, endDate: row.endDate },
  })
  if (row.status === before.status) return
  await deps.emit(tx, 'service.status_changed', {
    serviceId: row.id,
    customerId: row.customerId,
    partnerId,
    type: row.type,
    login: row.login,
    from: before.status,
    to: row.status,
  })
}
