import { randomUUID } from 'node:crypto'
import { and, asc, eq, gte, isNull, lte } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../../db/client.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { NotFoundError, StateError, ValidationError, type FieldError } from '../../kernel/errors.ts'
import { dec, isDecimalString, isRounded, lineTotal, sum, type Decimal } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { taxRates } from '../../plans/schema.ts'
import { services } from '../../services/schema.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { appendLedger } from '../ledger.ts'
import { ledgerEntries, pendingCharges } from '../schema.ts'
import { accountCustomer, adminId, audit, lockAccount, validId, type FinanceDeps } from './common.ts'

export type LedgerEntry = typeof ledgerEntries.$inferSelect
export type PendingCharge = typeof pendingCharges.$inferSelect

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

export interface AdjustmentInput {
  side?: string
  amount?: string
  reason?: string | null
  entryDate?: string | null
}

/** A manual ledger row: a debit (the customer owes more) or a credit, with the reason, audited. */
export async function addAdjustment(db: Db, deps: FinanceDeps, actor: Actor, customerId: number, input: AdjustmentInput): Promise<LedgerEntry> {
  const errors: FieldError[] = []
  const core = await coreSettings(db)
  if (input.side !== 'debit' && input.side !== 'credit') errors.push({ field: 'side', message: 'must be debit or credit' })
  if (typeof input.amount !== 'string' || !isDecimalString(input.amount) || dec(input.amount).lte(0))
    errors.push({ field: 'amount', message: 'must be a decimal number greater than 0' })
  else if (!isRounded(input.amount, core.currency)) errors.push({ field: 'amount', message: `must be rounded to ${core.currency}` })
  const reason = input.reason?.trim() ?? ''
  if (!reason) errors.push({ field: 'reason', message: 'is required' })
  if (reason.length > 500) errors.push({ field: 'reason', message: 'must be at most 500 characters' })
  const entryDate = blank(input.entryDate) ? deps.clock.today().toString() : String(input.entryDate)
  if (!isIsoDate(entryDate)) errors.push({ field: 'entryDate', message: 'must be a date (YYYY-MM-DD)' })
  if (errors.length) throw new ValidationError(errors)
  return db.transaction(async (tx) => {
    const c = await accountCustomer(tx, actor, customerId)
    await lockAccount(tx, c.id)
    const [id] = await appendLedger(tx, [
      {
        customerId: c.id,
        partnerId: c.partnerId,
        kind: 'adjustment',
        entryDate,
        [input.side as 'debit' | 'credit']: dec(input.amount!),
        description: reason,
        createdBy: adminId(actor),
      },
    ])
    const [row] = await tx.select().from(ledgerEntries).where(eq(ledgerEntries.id, id!))
    await audit(tx, deps, actor, 'ledger.adjust', 'customer', c.id, { ...row, id: String(row!.id) })
    await deps.emit(tx, 'ledger.adjusted', { customerId: c.id, partnerId: c.partnerId, side: input.side, amount: dec(input.amount!).toFixed() })
    return row!
  })
}

/** A customer's ledger rows, oldest first, optionally within a period. */
export async function ledgerRows(db: DbOrTx, customerId: number, from?: string, to?: string): Promise<LedgerEntry[]> {
  return db
    .select()
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.customerId, customerId),
        from ? gte(ledgerEntries.entryDate, from) : undefined,
        to ? lte(ledgerEntries.entryDate, to) : undefined,
      ),
    )
    .orderBy(asc(ledgerEntries.entryDate), asc(ledgerEntries.id))
}

export interface PendingChargeInput {
  description?: string | null
  chargeDate?: string | null
  quantity?: string | null
  unitPrice?: string | null
  taxRateId?: number | string | null
  serviceId?: number | string | null
}

/** A one-off charge for the next invoice to pick up: shown as an upcoming charge, not in the balance. */
export async function addPendingCharge(db: Db, deps: FinanceDeps, actor: Actor, customerId: number, input: PendingChargeInput): Promise<PendingCharge> {
  const errors: FieldError[] = []
  const description = input.description?.trim() ?? ''
  if (!description) errors.push({ field: 'description', message: 'is required' })
  if (description.length > 500) errors.push({ field: 'description', message: 'must be at most 500 characters' })
  const chargeDate = blank(input.chargeDate) ? deps.clock.today().toString() : String(input.chargeDate)
  if (!isIsoDate(chargeDate)) errors.push({ field: 'chargeDate', message: 'must be a date (YYYY-MM-DD)' })
  const quantity = blank(input.quantity) ? '1' : String(input.quantity).trim()
  if (!isDecimalString(quantity) || dec(quantity).lte(0)) errors.push({ field: 'quantity', message: 'must be a number greater than 0' })
  const unitPrice = String(input.unitPrice ?? '').trim()
  if (!isDecimalString(unitPrice) || dec(unitPrice).lte(0)) errors.push({ field: 'unitPrice', message: 'must be a decimal number greater than 0' })
  const taxRateId = blank(input.taxRateId) ? null : Number(input.taxRateId)
  const serviceId = blank(input.serviceId) ? null : Number(input.serviceId)
  return db.transaction(async (tx) => {
    const c = await accountCustomer(tx, actor, customerId)
    if (taxRateId !== null) {
      const [rate] = validId(taxRateId) ? await tx.select({ id: taxRates.id }).from(taxRates).where(eq(taxRates.id, taxRateId)) : []
      if (!rate) errors.push({ field: 'taxRateId', message: `tax rate ${String(input.taxRateId)} does not exist` })
    }
    if (serviceId !== null) {
      const [s] = validId(serviceId)
        ? await tx.select({ id: services.id }).from(services).where(and(eq(services.id, serviceId), eq(services.customerId, c.id)))
        : []
      if (!s) errors.push({ field: 'serviceId', message: `service ${String(input.serviceId)} is not a service of this customer` })
    }
    if (errors.length) throw new ValidationError(errors)
    const [row] = await tx
      .insert(pendingCharges)
      .values({
        customerId: c.id,
        serviceId,
        description,
        chargeDate,
        quantity,
        unitPrice,
        taxRateId,
        sourceKey: `manual:${randomUUID()}`,
        createdBy: adminId(actor),
        createdAt: deps.clock.now(),
      })
      .returning()
    await audit(tx, deps, actor, 'pending_charge.create', 'pending_charge', row!.id, row)
    return row!
  })
}

/** Drops a one-off charge that no invoice has picked up yet. */
export async function cancelPendingCharge(db: Db, deps: FinanceDeps, actor: Actor, customerId: number, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const c = await accountCustomer(tx, actor, customerId)
    const [row] = validId(id)
      ? await tx.select().from(pendingCharges).where(and(eq(pendingCharges.id, id), eq(pendingCharges.customerId, c.id))).for('update')
      : []
    if (!row) throw new NotFoundError('Pending charge', id)
    if (row.invoiceItemId !== null) throw new StateError('This charge is already on an invoice: issue a credit note instead')
    await tx.delete(pendingCharges).where(eq(pendingCharges.id, id))
    await audit(tx, deps, actor, 'pending_charge.delete', 'pending_charge', id, undefined, row)
  })
}

/** Charges waiting for the next invoice ("upcoming charges"), with their amount before tax. */
export async function upcomingCharges(db: DbOrTx, customerId: number, currency: string): Promise<{ items: (PendingCharge & { amount: string })[]; total: Decimal }> {
  const rows = await db
    .select()
    .from(pendingCharges)
    .where(and(eq(pendingCharges.customerId, customerId), isNull(pendingCharges.invoiceItemId)))
    .orderBy(asc(pendingCharges.chargeDate), asc(pendingCharges.id))
  const items = rows.map((r) => ({ ...r, amount: lineTotal(r.quantity, r.unitPrice, currency).toFixed() }))
  return { items, total: sum(items.map((i) => i.amount)) }
}
