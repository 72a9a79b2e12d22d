import type { Temporal } from 'temporal-polyfill'
import {
  addDays,
  compareDates,
  daysInclusive,
  nextWorkday,
  toDate,
  type DateInput,
  type WorkCalendar,
} from '../../kernel/dates.ts'
import { ValidationError } from '../../kernel/errors.ts'
import { dec, round, ZERO, type Decimal, type DecimalInput } from '../../kernel/money.ts'
import { dailyCharge } from '../proration.ts'

/**
 * Dates and amounts of debt collection: due date, blocking, deactivation, reminders, late fees and
 * the prepaid balance's days left. Every number is a setting; the defaults are Splynx's.
 */

export interface CollectionSettings {
  /** Payment due this many days after the invoice date (default 15). */
  dueDays?: number
  /** Extra days after the due date before blocking (default 0). */
  blockingPeriodDays?: number
  /** Days after blocking before deactivation (default 10). */
  deactivationPeriodDays?: number
  /** Move blocking and deactivation off weekends and holidays to the next workday (default false). */
  shiftToWorkday?: boolean
}

export interface CollectionDates {
  due: Temporal.PlainDate
  /** The customer is blocked on this day if the invoice is still unpaid. */
  blocking: Temporal.PlainDate
  deactivation: Temporal.PlainDate
}

function days(value: number | undefined, fallback: number, field: string): number {
  const n = value ?? fallback
  if (!Number.isInteger(n) || n < 0 || n > 365) {
    throw new ValidationError([{ field, message: `must be a whole number of days from 0 to 365, got ${n}` }])
  }
  return n
}

/** Due, blocking and deactivation dates of an invoice (blocking and deactivation optionally on workdays). */
export function collectionDates(
  invoiceDate: DateInput,
  settings: CollectionSettings = {},
  calendar: WorkCalendar = {},
): CollectionDates {
  const due = addDays(invoiceDate, days(settings.dueDays, 15, 'dueDays'))
  const shift = (d: Temporal.PlainDate) => (settings.shiftToWorkday ? nextWorkday(d, calendar) : d)
  const blocking = shift(addDays(due, days(settings.blockingPeriodDays, 0, 'blockingPeriodDays')))
  const deactivation = shift(
    addDays(blocking, days(settings.deactivationPeriodDays, 10, 'deactivationPeriodDays')),
  )
  return { due, blocking, deactivation }
}

export type ReminderSchedule =
  /** Offsets that add up from the invoice date: [9, 5, 5] -> days 9, 14, 19 after it. */
  | { mode: 'offsets'; days: number[] }
  /** Fixed days of the month after the invoice date: [3, 5, 7] -> the next 3rd, then 5th, then 7th. */
  | { mode: 'month_days'; days: number[] }

/** The dates of up to three payment reminders for one invoice. */
export function reminderDates(invoiceDate: DateInput, schedule: ReminderSchedule): Temporal.PlainDate[] {
  if (schedule.days.length > 3)
    throw new ValidationError([{ field: 'reminders', message: 'at most three reminders' }])
  const start = toDate(invoiceDate)
  const out: Temporal.PlainDate[] = []
  if (schedule.mode === 'offsets') {
    let d = start
    for (const [i, n] of schedule.days.entries()) {
      if (!Number.isInteger(n) || n < 1 || n > 365) {
        throw new ValidationError([{ field: `reminders.${i}`, message: 'must be 1 to 365 days' }])
      }
      d = d.add({ days: n })
      out.push(d)
    }
    return out
  }
  let cursor = start
  for (const [i, day] of schedule.days.entries()) {
    if (!Number.isInteger(day) || day < 1 || day > 28) {
      throw new ValidationError([
        { field: `reminders.${i}`, message: 'must be a day of the month from 1 to 28' },
      ])
    }
    // The first such day strictly after the previous reminder (or the invoice date).
    let next = cursor.with({ day })
    if (compareDates(next, cursor) <= 0) next = cursor.add({ months: 1 }).with({ day })
    out.push(next)
    cursor = next
  }
  return out
}

export type LateFeeRule =
  | { kind: 'fixed'; amount: DecimalInput }
  | { kind: 'percent_per_day'; percent: DecimalInput; max?: DecimalInput | null }

/**
 * A penalty for an invoice paid late: a fixed amount once it is overdue, or a percentage of the
 * overdue amount for every day past the due date (optionally capped). Nothing before the due date.
 */
export function lateFee(
  overdue: DecimalInput,
  due: DateInput,
  on: DateInput,
  rule: LateFeeRule,
  currency: string,
): Decimal {
  const late = daysInclusive(addDays(due, 1), on)
  const amount = dec(overdue)
  if (late <= 0 || amount.lte(0)) return ZERO
  if (rule.kind === 'fixed') return round(rule.amount, currency)
  const fee = round(amount.times(dec(rule.percent)).div(100).times(late), currency)
  if (rule.max !== undefined && rule.max !== null && fee.gt(dec(rule.max))) return round(rule.max, currency)
  return fee
}

/**
 * Prepaid daily: how many days, from `from`, a balance pays for before it would fall below the
 * minimum, charging each day's dailyCharge. Used for low-balance warnings (N days before blocking)
 * and for showing "paid until". Stops counting after `limitDays`.
 */
export function prepaidDaysLeft(
  balance: DecimalInput,
  monthlyAmount: DecimalInput,
  from: DateInput,
  currency: string,
  options: { minimumBalance?: DecimalInput; limitDays?: number } = {},
): { days: number; paidThrough: Temporal.PlainDate | null } {
  const minimum = dec(options.minimumBalance ?? '0')
  const limit = options.limitDays ?? 3660
  let left = dec(balance)
  let day = toDate(from)
  let n = 0
  let paidThrough: Temporal.PlainDate | null = null
  if (dec(monthlyAmount).lte(0)) return { days: limit, paidThrough: addDays(from, limit - 1) }
  while (n < limit) {
    const charge = dailyCharge(monthlyAmount, day, currency)
    if (left.minus(charge).lt(minimum)) break
    left = left.minus(charge)
    paidThrough = day
    n++
    day = day.add({ days: 1 })
  }
  return { days: n, paidThrough }
}
