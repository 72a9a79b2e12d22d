import type { Temporal } from 'temporal-polyfill'
import {
  compareDates,
  daysInclusive,
  daysInMonth,
  maxDate,
  minDate,
  toDate,
  type DateInput,
} from '../kernel/dates.ts'
import { ValidationError } from '../kernel/errors.ts'
import { dec, round, ZERO, type Decimal, type DecimalInput } from '../kernel/money.ts'
import { periodLength, type DateRange, type PeriodPiece } from './periods.ts'

/**
 * Proration: daily, on the actual days of the month.
 *
 * The rule, exactly. A billing period of D days (D is the length of the calendar month it starts in:
 * 1–31 Mar has 31, 15 Feb – 14 Mar has 28) at a monthly amount P charges, for the days from offset a
 * (days of the period before the range) to offset b (a + days of the range):
 *
 *     C(b) − C(a),   where C(k) = round(P × k / D) and C(D) = round(P)
 *
 * - A range that starts on the billing day is simply round(P / D × days): the worked example
 *   200 / 31 × 19 = 122.58 holds exactly. A whole period is round(P), never a sum of days.
 * - Any split of a period (a plan change, a pause, a service ending and a copy restarting) sums to
 *   the full price exactly, because the C terms telescope; the refund of unused days is the same
 *   formula, so "used + unused = price" always (200 − 122.58 = 77.42). A range that starts mid-period
 *   can differ from a calculator's round(P / D × days) by at most one minor unit, and only when that
 *   product ends in exactly half a minor unit.
 * - Why the period's own length and not each calendar month's length for a period that spans two
 *   months: with billing day 15, pricing 16–31 Jan at /31 and 1–14 Feb at /28 makes those 30 days cost
 *   more than the whole 15 Jan – 14 Feb period. With D = the period's length, a partial period never
 *   costs more than a full one and the days of a period add up to its price; with billing day 1 (most
 *   ISPs) the two readings are the same thing — Splynx's "daily on actual days in the month".
 */

/** C(k): the rounded price of the first k days of a D-day period. */
function cumulative(amount: Decimal, k: number, periodDays: number, currency: string): Decimal {
  if (k <= 0) return ZERO
  if (k >= periodDays) return round(amount, currency)
  return round(amount.times(k).div(periodDays), currency)
}

/** Price of `days` days starting `offset` days into a period of `periodDays` days (rule above). */
export function prorate(
  amount: DecimalInput,
  offset: number,
  days: number,
  periodDays: number,
  currency: string,
): Decimal {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(days) ||
    offset < 0 ||
    days < 0 ||
    offset + days > periodDays
  ) {
    throw new RangeError(`Days ${offset}+${days} do not fit a period of ${periodDays} days`)
  }
  const p = dec(amount)
  return cumulative(p, offset + days, periodDays, currency).minus(cumulative(p, offset, periodDays, currency))
}

export interface Discount {
  /** 0..100 */
  percent: DecimalInput
  /** First and last day the discount applies (inclusive); null = open. */
  start?: DateInput | null
  end?: DateInput | null
}

export interface ChargeInput {
  /** Monthly price of one unit: the plan price or the service's custom price (up to 6 decimals). */
  price: DecimalInput
  /** Default 1; may be fractional. */
  quantity?: DecimalInput
  discount?: Discount | null
  currency: string
  /**
   * Default true. When false a partial period is charged as a whole one (and a discount on it as on
   * the whole period): the ISP that says "you pay the month you start in".
   */
  prorate?: boolean
}

export interface ChargeLine {
  start: Temporal.PlainDate
  end: Temporal.PlainDate
  period: DateRange
  days: number
  periodDays: number
  /** Whole period billed (or a partial one billed as whole because proration is off). */
  full: boolean
  quantity: Decimal
  /** Monthly price of one unit. */
  unitPrice: Decimal
  /** Before discount, rounded to the currency. */
  base: Decimal
  discountPercent: Decimal
  /** Days of the line the discount covered. */
  discountDays: number
  /** Rounded, never negative; base − discount = amount. */
  discount: Decimal
  amount: Decimal
}

function checkCharge(input: ChargeInput): { unitPrice: Decimal; quantity: Decimal; percent: Decimal } {
  const fields: { field: string; message: string }[] = []
  let unitPrice = ZERO
  let quantity = ZERO
  let percent = ZERO
  try {
    unitPrice = dec(input.price)
    if (unitPrice.isNeg()) fields.push({ field: 'price', message: 'must not be negative' })
  } catch (err) {
    fields.push({ field: 'price', message: (err as Error).message })
  }
  try {
    quantity = dec(input.quantity ?? '1')
    if (quantity.lte(0)) fields.push({ field: 'quantity', message: 'must be greater than 0' })
  } catch (err) {
    fields.push({ field: 'quantity', message: (err as Error).message })
  }
  if (input.discount) {
    try {
      percent = dec(input.discount.percent)
      if (percent.isNeg() || percent.gt(100))
        fields.push({ field: 'discount.percent', message: 'must be 0 to 100' })
    } catch (err) {
      fields.push({ field: 'discount.percent', message: (err as Error).message })
    }
  }
  if (fields.length) throw new ValidationError(fields)
  return { unitPrice, quantity, percent }
}

/** Prices one period piece of a recurring service: proration, quantity, discount by day range, rounding. */
export function chargePiece(piece: PeriodPiece, input: ChargeInput): ChargeLine {
  const { unitPrice, quantity, percent } = checkCharge(input)
  const amount = unitPrice.times(quantity)
  const billedWhole = piece.full || input.prorate === false
  // The days priced: the piece itself, or the whole period when a partial one is billed as whole.
  const priced: DateRange = billedWhole ? piece.period : piece
  const offset = billedWhole ? 0 : piece.offset
  const days = billedWhole ? piece.periodDays : piece.days
  const base = prorate(amount, offset, days, piece.periodDays, input.currency)

  let discount = ZERO
  let discountDays = 0
  if (input.discount && percent.gt(0)) {
    const dStart = input.discount.start ? toDate(input.discount.start, 'discount.start') : priced.start
    const dEnd = input.discount.end ? toDate(input.discount.end, 'discount.end') : priced.end
    const from = maxDate(dStart, priced.start)
    const to = minDate(dEnd, priced.end)
    if (compareDates(from, to) <= 0) {
      discountDays = daysInclusive(from, to)
      const discountOffset = daysInclusive(piece.period.start, from) - 1
      discount = prorate(
        amount.times(percent).div(100),
        discountOffset,
        discountDays,
        piece.periodDays,
        input.currency,
      )
    }
  }
  return {
    start: piece.start,
    end: piece.end,
    period: piece.period,
    days: piece.days,
    periodDays: piece.periodDays,
    full: billedWhole,
    quantity,
    unitPrice,
    base,
    discountPercent: percent,
    discountDays,
    discount,
    amount: base.minus(discount),
  }
}

export function chargePieces(pieces: readonly PeriodPiece[], input: ChargeInput): ChargeLine[] {
  return pieces.map((p) => chargePiece(p, input))
}

export interface PlanChangeInput {
  /** The billing period in which the plan changes. */
  period: DateRange
  /** First day on the new plan. */
  changeDate: DateInput
  /** First day of the period the old plan was billed for (default: the period start; later for a first partial period). */
  billedFrom?: DateInput
  /** Monthly amounts (price × quantity) of the old and new plans. */
  oldAmount: DecimalInput
  newAmount: DecimalInput
  /** Upgrade or downgrade fee, taken from the refund first. */
  fee?: DecimalInput
  /** Refund the unused part of the old plan (default true). */
  refundUnused?: boolean
  currency: string
}

export interface PlanChange {
  usedDays: number
  remainingDays: number
  /** Old plan for the days used before the change. */
  used: Decimal
  /** Old plan for the days after the change (what was paid and not used). */
  unused: Decimal
  fee: Decimal
  /** To put on a credit note: unused − fee, never negative; 0 when refunds are off. */
  credit: Decimal
  /** Part of the fee the credit did not absorb: to invoice. */
  feeToCharge: Decimal
  /** New plan from the change date to the end of the period. */
  newCharge: Decimal
}

/**
 * A plan change in the middle of a period: the unused part of the old plan is credited (less the
 * change fee), the new plan is charged for the rest. The worked example: old 200, 31-day month, 19
 * days used -> used 122.58, credit 200 − 122.58 − 30 = 47.42, new plan 100 for 12 days = 38.71.
 */
export function planChange(input: PlanChangeInput): PlanChange {
  const { period, currency } = input
  const periodDays = periodLength(period)
  const change = toDate(input.changeDate, 'changeDate')
  const billedFrom = input.billedFrom ? toDate(input.billedFrom, 'billedFrom') : period.start
  if (compareDates(billedFrom, period.start) < 0 || compareDates(billedFrom, period.end) > 0) {
    throw new ValidationError([{ field: 'billedFrom', message: 'must lie inside the period' }])
  }
  if (compareDates(change, billedFrom) < 0 || compareDates(change, period.end.add({ days: 1 })) > 0) {
    throw new ValidationError([
      {
        field: 'changeDate',
        message: `must be from ${billedFrom} to the day after the period end ${period.end}`,
      },
    ])
  }
  const from = daysInclusive(period.start, billedFrom) - 1
  const changeOffset = daysInclusive(period.start, change) - 1
  const oldAmount = dec(input.oldAmount)
  const fee = round(input.fee ?? '0', currency)
  if (fee.isNeg()) throw new ValidationError([{ field: 'fee', message: 'must not be negative' }])
  const used = prorate(oldAmount, from, changeOffset - from, periodDays, currency)
  const unused = prorate(oldAmount, changeOffset, periodDays - changeOffset, periodDays, currency)
  const refund = input.refundUnused !== false
  const credit = refund ? (unused.gt(fee) ? unused.minus(fee) : ZERO) : ZERO
  const feeToCharge = refund ? (unused.gt(fee) ? ZERO : fee.minus(unused)) : fee
  return {
    usedDays: changeOffset - from,
    remainingDays: periodDays - changeOffset,
    used,
    unused,
    fee,
    credit,
    feeToCharge,
    newCharge: prorate(input.newAmount, changeOffset, periodDays - changeOffset, periodDays, currency),
  }
}

/** 'upgrade' when the new plan costs more, 'downgrade' when less: picks which change fee applies. */
export function changeKind(
  oldAmount: DecimalInput,
  newAmount: DecimalInput,
): 'upgrade' | 'downgrade' | 'same' {
  const c = dec(newAmount).comparedTo(dec(oldAmount))
  return c > 0 ? 'upgrade' : c < 0 ? 'downgrade' : 'same'
}

/**
 * Prepaid daily: the charge for one day is the monthly amount over the days of that calendar month,
 * telescoped like `prorate` so that the days of a month add up to the monthly price exactly.
 */
export function dailyCharge(monthlyAmount: DecimalInput, date: DateInput, currency: string): Decimal {
  const d = toDate(date)
  return prorate(monthlyAmount, d.day - 1, 1, daysInMonth(d.year, d.month), currency)
}
