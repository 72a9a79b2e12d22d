import { Type, type Static } from 'typebox'
import type { DbOrTx } from '../../db/client.ts'
import { getSettings } from '../settings/service.ts'
import { DEFAULT_PATTERNS } from './numbering.ts'

/** Settings key of the finance settings (the core:finance module's own settings). */
export const FINANCE_SETTINGS_KEY = 'core:finance'

/**
 * Billing and collection defaults (Splynx's "Finance settings"). A customer's own billing terms
 * (customer_billing) override the per-customer ones where set.
 */
export const FinanceSettings = Type.Object({
  defaultBillingType: Type.Union(
    [
      Type.Literal('recurring_postpaid'),
      Type.Literal('recurring_prepaid'),
      Type.Literal('prepaid_daily'),
      Type.Literal('prepaid_monthly'),
    ],
    { title: 'Billing type of new customers', default: 'recurring_postpaid' },
  ),
  paymentDueDays: Type.Integer({ title: 'Payment due (days after the invoice date)', default: 15, minimum: 0, maximum: 365 }),
  blockingPeriodDays: Type.Integer({
    title: 'Blocking period (days after the due date)',
    default: 0,
    minimum: 0,
    maximum: 365,
  }),
  deactivationPeriodDays: Type.Integer({
    title: 'Grace period before deactivation (days after blocking)',
    default: 10,
    minimum: 0,
    maximum: 365,
  }),
  minimumBalance: Type.String({
    title: 'Block when the overdue debt exceeds',
    default: '0',
    pattern: '^\\d{1,12}(\\.\\d{1,4})?$',
    'x-format-hint': 'an amount such as 5.00',
  }),
  invoicePattern: Type.String({ title: 'Invoice number pattern', default: DEFAULT_PATTERNS.invoice, minLength: 6, maxLength: 60, 'x-check': 'number-pattern' }),
  proformaPattern: Type.String({ title: 'Proforma number pattern', default: DEFAULT_PATTERNS.proforma, minLength: 6, maxLength: 60, 'x-check': 'number-pattern' }),
  creditNotePattern: Type.String({
    title: 'Credit note number pattern',
    default: DEFAULT_PATTERNS.creditNote,
    minLength: 6,
    maxLength: 60,
    'x-check': 'number-pattern',
  }),
  receiptPattern: Type.String({ title: 'Receipt number pattern', default: DEFAULT_PATTERNS.receipt, minLength: 6, maxLength: 60, 'x-check': 'number-pattern' }),
  autoConfirmDays: Type.Integer({
    title: 'Confirm a billing run preview automatically after (days; 0 = by hand only)',
    default: 0,
    minimum: 0,
    maximum: 30,
  }),
  lateFee: Type.Union([Type.Literal('none'), Type.Literal('fixed'), Type.Literal('percent_per_day')], {
    title: 'Late fee',
    default: 'none',
  }),
  lateFeeAmount: Type.String({
    title: 'Late fee: amount, or percent of the overdue debt per day',
    default: '0',
    pattern: '^\\d{1,12}(\\.\\d{1,6})?$',
  }),
  lateFeeAfterDays: Type.Integer({ title: 'Late fee: days after the due date', default: 0, minimum: 0, maximum: 365 }),
  reminderMode: Type.Union([Type.Literal('offsets'), Type.Literal('month_days')], {
    title: 'Payment reminders: days added up from the invoice date, or fixed days of the month',
    default: 'offsets',
  }),
  reminderDays: Type.String({
    title: 'Payment reminders: up to three numbers (empty = no reminders)',
    default: '9,5,5',
    pattern: '^(\\d{1,3}(,\\d{1,3}){0,2})?$',
  }),
  lowBalanceWarningDays: Type.String({
    title: 'Prepaid low-balance warnings: days before blocking (up to three)',
    default: '10,5,1',
    pattern: '^(\\d{1,3}(,\\d{1,3}){0,2})?$',
  }),
})

export type FinanceSettingsValue = Static<typeof FinanceSettings>

/** The finance settings with defaults filled in. */
export async function financeSettings(db: DbOrTx): Promise<FinanceSettingsValue> {
  return getSettings<FinanceSettingsValue>(db, FINANCE_SETTINGS_KEY, FinanceSettings as never)
}
