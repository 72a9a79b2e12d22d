import { asc, desc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { Clock } from '../kernel/clock.ts'
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.ts'
import { auditChange } from '../partners/audit.ts'
import type { Actor } from '../partners/scope.ts'
import { isForeignKeyViolation, isUniqueViolation, pgCode } from '../partners/service.ts'
import { taxRates } from './schema.ts'
import { Checker } from './validation.ts'

export type TaxRate = typeof taxRates.$inferSelect

export interface TaxRateInput {
  name?: unknown
  ratePercent?: unknown
  included?: unknown
  active?: unknown
}

function checkInput(input: TaxRateInput, partial: boolean) {
  const c = new Checker(input as Record<string, unknown>)
  const values = {
    name: c.text('name', { max: 100, required: !partial }),
    ratePercent: c.decimal('ratePercent', { min: '0', max: '100', scale: 4, required: !partial }),
    included: c.bool('included'),
    active: c.bool('active'),
  }
  if (partial && Object.values(values).every((v) => v === undefined) && c.errors.length === 0) {
    c.fail('body', 'has nothing to change')
  }
  if (c.errors.length) throw new ValidationError(c.errors)
  return values
}

export async function listTaxRates(db: DbOrTx, options: { active?: boolean } = {}): Promise<TaxRate[]> {
  return db
    .select()
    .from(taxRates)
    .where(options.active === undefined ? undefined : eq(taxRates.active, options.active))
    .orderBy(desc(taxRates.active), asc(taxRates.name))
}

export async function getTaxRate(db: DbOrTx, id: number): Promise<TaxRate> {
  const [row] = await db.select().from(taxRates).where(eq(taxRates.id, id))
  if (!row) throw new NotFoundError('Tax rate', id)
  return row
}

function nameTaken(err: unknown): never {
  if (isUniqueViolation(err))
    throw new ValidationError([{ field: 'name', message: 'is already used by another tax rate' }])
  throw err
}

export async function createTaxRate(
  db: DbOrTx,
  clock: Clock,
  actor: Actor,
  input: TaxRateInput,
): Promise<TaxRate> {
  const v = checkInput(input, false)
  return db.transaction(async (tx) => {
    const now = clock.now()
    const [row] = await tx
      .insert(taxRates)
      .values({
        name: v.name!,
        ratePercent: v.ratePercent!,
        included: v.included ?? false,
        active: v.active ?? true,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .catch(nameTaken)
    await auditChange(tx, clock, actor, {
      action: 'tax_rate.create',
      entity: 'tax_rate',
      entityId: row!.id,
      after: row,
    })
    return row!
  })
}

/**
 * Changes a tax rate. Its percentage and inclusion are frozen on issued invoices (they copy them), so
 * a change affects only documents issued afterwards.
 */
export async function updateTaxRate(
  db: DbOrTx,
  clock: Clock,
  actor: Actor,
  id: number,
  input: TaxRateInput,
): Promise<TaxRate> {
  const v = checkInput(input, true)
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(taxRates).where(eq(taxRates.id, id)).for('update')
    if (!before) throw new NotFoundError('Tax rate', id)
    const set: Partial<typeof taxRates.$inferInsert> = { updatedAt: clock.now() }
    if (v.name) set.name = v.name
    if (v.ratePercent) set.ratePercent = v.ratePercent
    if (v.included !== undefined) set.included = v.included
    if (v.active !== undefined) set.active = v.active
    const [row] = await tx.update(taxRates).set(set).where(eq(taxRates.id, id)).returning().catch(nameTaken)
    await auditChange(tx, clock, actor, {
      action: 'tax_rate.update',
      entity: 'tax_rate',
      entityId: id,
      before,
      after: row,
    })
    return row!
  })
}

/** Deletes a tax rate nothing uses; one that a plan uses must be deactivated instead. */
export async function deleteTaxRate(db: DbOrTx, clock: Clock, actor: Actor, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx.select().from(taxRates).where(eq(taxRates.id, id)).for('update')
    if (!before) throw new NotFoundError('Tax rate', id)
    try {
      await tx.delete(taxRates).where(eq(taxRates.id, id))
    } catch (err) {
      // ON DELETE RESTRICT reports restrict_violation (23001), NO ACTION foreign_key_violation.
      if (isForeignKeyViolation(err) || pgCode(err) === '23001')
        throw new ConflictError('The tax rate is in use; deactivate it instead')
      throw err
    }
    await auditChange(tx, clock, actor, {
      action: 'tax_rate.delete',
      entity: 'tax_rate',
      entityId: id,
      before,
    })
  })
}
