import type { Temporal } from 'temporal-polyfill'
import {
  addDays,
  compareDates,
  daysInclusive,
  maxDate,
  minDate,
  toDate,
  type DateInput,
} from '../kernel/dates.ts'
import { ValidationError } from '../kernel/errors.ts'

/**
 * Billing periods. A customer has a billing day 1..28; a period runs from the billing day to the day
 * before the next month's billing day (billing day 15: 15 Mar – 14 Apr). Days 29–31 are refused so
 * that every month has the billing day and no period is ever clamped.
 */

/** Days from `start` to `end`, both included. */
export interface DateRange {
  start: Temporal.PlainDate
  end: Temporal.PlainDate
}

export type BillingMode = 'prepaid' | 'postpaid'

export const MIN_BILLING_DAY = 1
export const MAX_BILLING_DAY = 28

export function checkBillingDay(day: number, field = 'billingDay'): number {
  if (!Number.isInteger(day) || day < MIN_BILLING_DAY || day > MAX_BILLING_DAY) {
    throw new ValidationError([
      { field, message: `must be a whole day of the month from 1 to 28, got ${day}` },
    ])
  }
  return day
}

/** The billing period that contains a date. */
export function periodContaining(date: DateInput, billingDay: number): DateRange {
  checkBillingDay(billingDay)
  const d = toDate(date)
  const start =
    d.day >= billingDay ? d.with({ day: billingDay }) : d.subtract({ months: 1 }).with({ day: billingDay })
  return { start, end: start.add({ months: 1 }).subtract({ days: 1 }) }
}

/** The period after the given one. */
export function nextPeriod(period: DateRange, billingDay: number): DateRange {
  return periodContaining(period.end.add({ days: 1 }), billingDay)
}

/** Length of a period in days: the length of the calendar month it starts in (15 Feb – 14 Mar: 28). */
export function periodLength(period: DateRange): number {
  return daysInclusive(period.start, period.end)
}

/** A part of a date range that lies inside one billing period. */
export interface PeriodPiece extends DateRange {
  period: DateRange
  /** Days of the piece, both ends included. */
  days: number
  /** Days of the whole period. */
  periodDays: number
  /** Days of the period before the piece starts (0 when the piece starts on the billing day). */
  offset: number
  /** The piece is the whole period. */
  full: boolean
}

/** Cuts an inclusive date range at period boundaries: 15 Mar – 30 Apr with billing day 1 -> [15–31 Mar, 1–30 Apr]. */
export function splitByPeriods(from: DateInput, to: DateInput, billingDay: number): PeriodPiece[] {
  const start = toDate(from)
  const end = toDate(to)
  const pieces: PeriodPiece[] = []
  if (compareDates(start, end) > 0) return pieces
  let period = periodContaining(start, billingDay)
  let cursor = start
  while (compareDates(cursor, end) <= 0) {
    const pieceEnd = minDate(period.end, end)
    const periodDays = periodLength(period)
    const days = daysInclusive(cursor, pieceEnd)
    pieces.push({
      start: cursor,
      end: pieceEnd,
      period,
      days,
      periodDays,
      offset: daysInclusive(period.start, cursor) - 1,
      full: days === periodDays,
    })
    cursor = pieceEnd.add({ days: 1 })
    period = nextPeriod(period, billingDay)
  }
  return pieces
}

export interface RecurringTerms {
  /** First day of service. */
  startDate: DateInput
  /** Last day of service (inclusive); billing stops after it. */
  endDate?: DateInput | null
  billingDay: number
  mode: BillingMode
  /** Prepaid: periods billed per invoice, 1..12 (1 = monthly, 3 = quarterly, 12 = yearly). */
  periodsAhead?: number
}

export interface BillingState {
  /** Last day already billed for this service, or null if it was never billed. */
  billedThrough?: DateInput | null
  /** Date of the billing run (the invoice date). */
  runDate: DateInput
}

/**
 * The days a recurring service must be billed for on a run date, or null when nothing is due.
 *
 * - Postpaid bills what has passed: everything not yet billed up to the day before the period that
 *   contains the run date.
 * - Prepaid bills what comes: everything not yet billed up to the end of the period containing the
 *   run date plus `periodsAhead − 1` more periods; nothing while that period is already paid for.
 * - Either way a late first invoice picks up the catch-up: start 15 Mar, billing day 1, prepaid,
 *   first run 1 Apr -> 15 Mar – 30 Apr; the end date cuts billing off.
 */
export function dueRange(terms: RecurringTerms, state: BillingState): DateRange | null {
  const billingDay = checkBillingDay(terms.billingDay)
  const startDate = toDate(terms.startDate, 'startDate')
  const endDate = terms.endDate ? toDate(terms.endDate, 'endDate') : null
  const runDate = toDate(state.runDate, 'runDate')
  const billedThrough = state.billedThrough ? toDate(state.billedThrough, 'billedThrough') : null
  const current = periodContaining(runDate, billingDay)

  let through: Temporal.PlainDate
  if (terms.mode === 'postpaid') {
    through = current.start.subtract({ days: 1 })
  } else {
    const ahead = terms.periodsAhead ?? 1
    if (!Number.isInteger(ahead) || ahead < 1 || ahead > 12) {
      throw new ValidationError([{ field: 'periodsAhead', message: `must be 1 to 12 periods, got ${ahead}` }])
    }
    if (billedThrough && compareDates(billedThrough, current.end) >= 0) return null
    through = current.start.add({ months: ahead }).subtract({ days: 1 })
  }
  if (endDate) through = minDate(through, endDate)
  const from = billedThrough ? maxDate(addDays(billedThrough, 1), startDate) : startDate
  if (compareDates(from, through) > 0) return null
  return { start: from, end: through }
}

/** dueRange cut into billing-period pieces: one invoice line each. */
export function duePieces(terms: RecurringTerms, state: BillingState): PeriodPiece[] {
  const range = dueRange(terms, state)
  return range ? splitByPeriods(range.start, range.end, terms.billingDay) : []
}
