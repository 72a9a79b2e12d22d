import { eq } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../../db/client.ts'
import { isIsoDate } from '../../kernel/dates.ts'
import { ValidationError, type FieldError } from '../../kernel/errors.ts'
import { dec, isDecimalString } from '../../kernel/money.ts'
import type { Actor } from '../../partners/scope.ts'
import { customerBilling } from '../schema.ts'
import { financeSettings, type FinanceSettingsValue } from '../settings.ts'
import { accountCustomer, audit, type FinanceDeps } from './common.ts'

export const BILLING_TYPES = ['recurring_postpaid', 'recurring_prepaid', 'prepaid_daily', 'prepaid_monthly'] as const
export type BillingType = (typeof BILLING_TYPES)[number]

export interface BillingTerms {
  customerId: number
  type: BillingType
  periodsAhead: number
  enabled: boolean
  /** null: the finance settings' default (shown in `defaults`). */
  paymentDueDays: number | null
  blockingPeriodDays: number | null
  deactivationPeriodDays: number | null
  minimumBalance: string | null
  lateFees: boolean
  doNotBlockUntil: string | null
}

export interface BillingTermsView {
  terms: BillingTerms
  defaults: Pick<FinanceSettingsValue, 'paymentDueDays' | 'blockingPeriodDays' | 'deactivationPeriodDays' | 'minimumBalance' | 'defaultBillingType'>
}

export interface BillingTermsInput {
  type?: string
  periodsAhead?: number | string | null
  enabled?: boolean | string | null
  paymentDueDays?: number | string | null
  blockingPeriodDays?: number | string | null
  deactivationPeriodDays?: number | string | null
  minimumBalance?: string | null
  lateFees?: boolean | string | null
  doNotBlockUntil?: string | null
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '')

function out(row: typeof customerBilling.$inferSelect): BillingTerms {
  const { updatedAt: _u, ...rest } = row
  return { ...rest, minimumBalance: row.minimumBalance === null ? null : dec(row.minimumBalance).toFixed() }
}

/** A customer's billing terms; a customer without a row gets the settings' billing type and all defaults. */
export async function getBillingTerms(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, customerId: number): Promise<BillingTermsView> {
  const c = await accountCustomer(db, actor, customerId)
  const settings = await financeSettings(db)
  const [row] = await db.select().from(customerBilling).where(eq(customerBilling.customerId, c.id))
  const defaults = {
    paymentDueDays: settings.paymentDueDays,
    blockingPeriodDays: settings.blockingPeriodDays,
    deactivationPeriodDays: settings.deactivationPeriodDays,
    minimumBalance: settings.minimumBalance,
    defaultBillingType: settings.defaultBillingType,
  }
  const terms: BillingTerms = row
    ? out(row)
    : {
        customerId: c.id,
        type: settings.defaultBillingType,
        periodsAhead: 1,
        enabled: true,
        paymentDueDays: null,
        blockingPeriodDays: null,
        deactivationPeriodDays: null,
        minimumBalance: null,
        lateFees: true,
        doNotBlockUntil: null,
      }
  return { terms, defaults }
}

function days(value: unknown, field: string, max: number, errors: FieldError[]): number | null | undefined {
  if (value === undefined) return undefined
  if (blank(value)) return null
  const s = String(value).trim()
  if (!/^\d+$/.test(s) || Number(s) > max) {
    errors.push({ field, message: `must be a whole number from 0 to ${max}, or empty for the default` })
    return undefined
  }
  return Number(s)
}

function flag(value: unknown, field: string, errors: FieldError[]): boolean | undefined {
  if (value === undefined) return undefined
  if (value === true || value === 'true' || value === 'on' || value === '1') return true
  if (value === false || value === 'false' || value === '0' || value === '' || value === null) return false
  errors.push({ field, message: 'must be true or false' })
  return undefined
}

/** Validates and saves billing terms (fields left out keep their value; empty = the default). Audited. */
export async function saveBillingTerms(db: Db, deps: FinanceDeps, actor: Actor, customerId: number, input: BillingTermsInput): Promise<BillingTerms> {
  const errors: FieldError[] = []
  const patch: Partial<typeof customerBilling.$inferInsert> = {}
  if (input.type !== undefined) {
    if (!BILLING_TYPES.includes(input.type as BillingType)) errors.push({ field: 'type', message: `must be one of ${BILLING_TYPES.join(', ')}` })
    else patch.type = input.type as BillingType
  }
  if (input.periodsAhead !== undefined) {
    const s = String(input.periodsAhead ?? '').trim()
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 12) errors.push({ field: 'periodsAhead', message: 'must be a whole number from 1 to 12' })
    else patch.periodsAhead = Number(s)
  }
  const enabled = flag(input.enabled, 'enabled', errors)
  if (enabled !== undefined) patch.enabled = enabled
  const lateFees = flag(input.lateFees, 'lateFees', errors)
  if (lateFees !== undefined) patch.lateFees = lateFees
  for (const field of ['paymentDueDays', 'blockingPeriodDays', 'deactivationPeriodDays'] as const) {
    const v = days(input[field], field, 365, errors)
    if (v !== undefined) patch[field] = v
  }
  if (input.minimumBalance !== undefined) {
    if (blank(input.minimumBalance)) patch.minimumBalance = null
    else if (!isDecimalString(String(input.minimumBalance)) || dec(String(input.minimumBalance)).isNeg())
      errors.push({ field: 'minimumBalance', message: 'must be an amount of 0 or more, or empty for the default' })
    else patch.minimumBalance = dec(String(input.minimumBalance)).toFixed()
  }
  if (input.doNotBlockUntil !== undefined) {
    if (blank(input.doNotBlockUntil)) patch.doNotBlockUntil = null
    else if (!isIsoDate(String(input.doNotBlockUntil))) errors.push({ field: 'doNotBlockUntil', message: 'must be a date (YYYY-MM-DD), or empty' })
    else patch.doNotBlockUntil = String(input.doNotBlockUntil)
  }
  if (errors.length) throw new ValidationError(errors)
  return db.transaction(async (tx) => {
    const before = await getBillingTerms(tx, actor, customerId)
    const [row] = await tx
      .insert(customerBilling)
      .values({ ...before.terms, ...patch, updatedAt: deps.clock.now() })
      .onConflictDoUpdate({ target: customerBilling.customerId, set: { ...patch, updatedAt: deps.clock.now() } })
      .returning()
    const after = out(row!)
    await audit(tx, deps, actor, 'billing_terms.update', 'customer', customerId, after, before.terms)
    await deps.emit(tx, 'customer.billing_terms_changed', { ...after })
    return after
  })
}
