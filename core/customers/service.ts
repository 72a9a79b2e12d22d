import { and, eq, ne, sql } from 'drizzle-orm'
import { hashPassword, verifyPassword } from '../admins/passwords.ts'
import { rows, type DbOrTx } from '../../db/client.ts'
import type { AppContext } from '../kernel/context.ts'
import { NotFoundError, ValidationError, type FieldError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import { partners } from '../partners/schema.ts'
import { canSeePartner, type Actor } from '../partners/scope.ts'
import { defaultPartnerId, isForeignKeyViolation, isUniqueViolation } from '../partners/service.ts'
import { getCustomFieldDefs, validateCustomValues } from './custom-fields.ts'
import { customers } from './schema.ts'
import { checkCustomerInput, type CustomerInput, type CustomerStatus, type CustomerValues } from './validation.ts'

/** What customer operations need besides the database: the clock and the event outbox. */
export type CrmDeps = Pick<AppContext, 'clock' | 'emit'>

type CustomerRow = typeof customers.$inferSelect
/** A customer as the panel and the API show it: no password hash, no search column. */
export type Customer = Omit<CustomerRow, 'portalPasswordHash' | 'searchText'> & { hasPortalPassword: boolean }

export function publicCustomer(row: CustomerRow): Customer {
  const { portalPasswordHash, searchText: _searchText, ...rest } = row
  return { ...rest, hasPortalPassword: portalPasswordHash !== null }
}

async function loadRow(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number, lock = false): Promise<CustomerRow> {
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw new NotFoundError('Customer', id)
  const query = db.select().from(customers).where(eq(customers.id, id))
  const [row] = lock ? await query.for('update') : await query
  // A customer of a partner outside the admin's scope does not exist for that admin.
  if (!row || !canSeePartner(actor, row.partnerId)) throw new NotFoundError('Customer', id)
  return row
}

export async function getCustomer(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<Customer> {
  return publicCustomer(await loadRow(db, actor, id))
}

async function checkPartner(tx: DbOrTx, actor: Actor, partnerId: number, errors: FieldError[]): Promise<void> {
  const [p] = await tx.select({ id: partners.id }).from(partners).where(eq(partners.id, partnerId))
  if (!p || !canSeePartner(actor, partnerId)) errors.push({ field: 'partnerId', message: `partner ${partnerId} does not exist` })
}

async function loginTaken(tx: DbOrTx, login: string, exceptId?: number): Promise<boolean> {
  const cond = exceptId === undefined ? eq(customers.login, login) : and(eq(customers.login, login), ne(customers.id, exceptId))
  const [hit] = await tx.select({ id: customers.id }).from(customers).where(cond).limit(1)
  return hit !== undefined
}

function throwIf(errors: FieldError[]): void {
  if (errors.length) throw new ValidationError(errors)
}


/** Creates a customer: validated, login unique (the new id when left blank), audited, `customer.created` emitted. */
export async function createCustomer(db: DbOrTx, deps: CrmDeps, actor: Actor, input: CustomerInput): Promise<Customer> {
  const { values, errors } = checkCustomerInput(input, false)
  const passwordHash = values.portalPassword ? await hashPassword(values.portalPassword) : null
  return db.transaction(async (tx) => {
    const defs = await getCustomFieldDefs(tx)
    const custom = validateCustomValues(defs, (values.customFields ?? {}) as Record<string, unknown>, {}, false)
    errors.push(...custom.errors)
    const partnerId = values.partnerId ?? (await defaultPartnerId(tx, actor))
    if (partnerId === null) errors.push({ field: 'partnerId', message: 'is required: create a partner first' })
    else if (values.partnerId !== undefined) await checkPartner(tx, actor, partnerId, errors)
    if (values.login && (await loginTaken(tx, values.login))) errors.push({ field: 'login', message: 'is already taken' })
    throwIf(errors)

    const [{ id } = { id: 0 }] = await rows<{ id: number }>(tx, sql`select nextval(pg_get_serial_sequence('customers', 'id'))::int as id`)
    const login = values.login ?? (await freeLogin(tx, id))
    const now = deps.clock.now()
    let row: CustomerRow
    try {
      ;[row] = (await tx
        .insert(customers)
        .values({
          id,
          partnerId: partnerId!,
          login,
          status: values.status ?? 'new',
          category: values.category ?? 'person',
          name: values.name!,
          email: values.email ?? null,
          billingEmail: values.billingEmail ?? null,
          phone: values.phone ?? null,
          street: values.street ?? null,
          city: values.city ?? null,
          zip: values.zip ?? null,
          country: values.country ?? null,
          language: values.language ?? 'en',
          companyName: values.companyName ?? null,
          vatId: values.vatId ?? null,
          billingDay: values.billingDay ?? 1,
          customFields: custom.values,
          portalPasswordHash: passwordHash,
          dateAdded: values.dateAdded ?? deps.clock.today().toString(),
          createdAt: now,
          updatedAt: now,
        })
        .returning()) as [CustomerRow]
    } catch (err) {
      if (isUniqueViolation(err)) throw new ValidationError([{ field: 'login', message: 'is already taken' }])
      throw err
    }
    const customer = publicCustomer(row)
    await auditChange(tx, deps.clock, actor, { action: 'customer.create', entity: 'customer', entityId: id, after: customer })
    await deps.emit(tx, 'customer.created', { customerId: id, partnerId: row.partnerId, status: row.status, login })
    return customer
  })
}

/** The id as login, or the id with a suffix when someone already chose that login by hand. */
async function freeLogin(tx: DbOrTx, id: number): Promise<string> {
  let candidate = String(id)
  for (let n = 1; await loginTaken(tx, candidate); n++) candidate = `${id}-${n}`
  return candidate
}

/** Updates the given fields. A changed status goes through the status rules and event too. */
export async function updateCustomer(db: DbOrTx, deps: CrmDeps, actor: Actor, id: number, input: CustomerInput): Promise<Customer> {
  const { values, errors } = checkCustomerInput(input, true)
  const passwordHash = values.portalPassword ? await hashPassword(values.portalPassword) : undefined
  return db.transaction(async (tx) => {
    const before = await loadRow(tx, actor, id, true)
    let customFields: Record<string, string> | undefined
    if (values.customFields !== undefined) {
      const defs = await getCustomFieldDefs(tx)
      const custom = validateCustomValues(defs, values.customFields, before.customFields, true)
      errors.push(...custom.errors)
      customFields = custom.values
    }
    if (values.partnerId !== undefined && values.partnerId !== before.partnerId) await checkPartner(tx, actor, values.partnerId, errors)
    if (values.login && values.login !== before.login && (await loginTaken(tx, values.login, id))) {
      errors.push({ field: 'login', message: 'is already taken' })
    }
    throwIf(errors)

    const { portalPassword, customFields: _cf, status, login, ...plain } = values
    const set: Partial<typeof customers.$inferInsert> = { ...plain, updatedAt: deps.clock.now() }
    if (login) set.login = login
    if (customFields) set.customFields = customFields
    if (portalPassword === null) set.portalPasswordHash = null
    else if (passwordHash) set.portalPasswordHash = passwordHash
    if (status) set.status = status
    let row: CustomerRow
    try {
      ;[row] = (await tx.update(customers).set(set).where(eq(customers.id, id)).returning()) as [CustomerRow]
    } catch (err) {
      if (isUniqueViolation(err)) throw new ValidationError([{ field: 'login', message: 'is already taken' }])
      throw err
    }
    const changed = changedFields(before, row)
    if (changed.length === 0) return publicCustomer(row)
    const after = publicCustomer(row)
    await auditChange(tx, deps.clock, actor, { action: 'customer.update', entity: 'customer', entityId: id, before: publicCustomer(before), after })
    await deps.emit(tx, 'customer.updated', { customerId: id, partnerId: row.partnerId, changed })
    if (before.status !== row.status) await emitStatusChange(tx, deps, row, before.status)
    return after
  })
}

function changedFields(before: CustomerRow, after: CustomerRow): string[] {
  return (Object.keys(after) as (keyof CustomerRow)[]).filter(
    (k) => k !== 'updatedAt' && k !== 'searchText' && JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  )
}

async function emitStatusChange(tx: DbOrTx, deps: CrmDeps, row: CustomerRow, from: CustomerStatus): Promise<void> {
  await deps.emit(tx, 'customer.status_changed', { customerId: row.id, partnerId: row.partnerId, from, to: row.status })
}

/** Moves a customer to another status (new, active, blocked, inactive); a no-op when it already is. */
export async function changeCustomerStatus(db: DbOrTx, deps: CrmDeps, actor: Actor, id: number, status: CustomerStatus): Promise<Customer> {
  const { values, errors } = checkCustomerInput({ status }, true)
  if (!values.status) errors.push({ field: 'status', message: 'is required' })
  throwIf(errors)
  return db.transaction(async (tx) => {
    const before = await loadRow(tx, actor, id, true)
    if (before.status === values.status) return publicCustomer(before)
    const [row] = (await tx
      .update(customers)
      .set({ status: values.status, updatedAt: deps.clock.now() })
      .where(eq(customers.id, id))
      .returning()) as [CustomerRow]
    await auditChange(tx, deps.clock, actor, {
      action: 'customer.status',
      entity: 'customer',
      entityId: id,
      before: { status: before.status },
      after: { status: row.status },
    })
    await emitStatusChange(tx, deps, row, before.status)
    return publicCustomer(row)
  })
}

export type DeleteOutcome = { deleted: true } | { deleted: false; customer: Customer }

/**
 * Deletes a customer who is still 'new' and has no documents (nothing else references the row). Any
 * other customer is set inactive instead, so history is never lost.
 */
export async function deleteCustomer(db: DbOrTx, deps: CrmDeps, actor: Actor, id: number): Promise<DeleteOutcome> {
  return db.transaction(async (tx) => {
    const before = await loadRow(tx, actor, id, true)
    if (before.status === 'new') {
      try {
        // A savepoint: a foreign key from a document (service, invoice, payment ...) undoes only this.
        await tx.transaction(async (sp) => {
          await sp.delete(customers).where(eq(customers.id, id))
        })
        await auditChange(tx, deps.clock, actor, { action: 'customer.delete', entity: 'customer', entityId: id, before: publicCustomer(before) })
        return { deleted: true } as const
      } catch (err) {
        if (!isForeignKeyViolation(err)) throw err
      }
    }
    return { deleted: false, customer: await changeCustomerStatus(tx, deps, actor, id, 'inactive') } as const
  })
}

/** Checks a portal login; null when the login is unknown, has no portal password or the password is wrong. */
export async function verifyPortalPassword(db: DbOrTx, login: string, password: string): Promise<Customer | null> {
  const [row] = await db.select().from(customers).where(eq(customers.login, login))
  if (!row?.portalPasswordHash) return null
  return (await verifyPassword(row.portalPasswordHash, password)) ? publicCustomer(row) : null
}

export type { CustomerInput, CustomerValues }
