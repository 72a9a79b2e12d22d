import { Decimal as DecimalJs } from 'decimal.js'

/**
 * The one place where Uplink does arithmetic on money, rates and quantities.
 *
 * - Values are decimal.js instances from a private clone (40 significant digits), never JS numbers:
 *   every entry point takes `string | Decimal` and refuses numbers at compile time and at run time.
 * - Rounding is half away from zero (decimal.js ROUND_HALF_UP): 0.125 -> 0.13, -0.125 -> -0.13. It is
 *   what PHP's round() does, hence what Splynx prints and what an accountant checks with a calculator.
 *   Banker's rounding would be kinder to long sums, but tax is computed once per rate per invoice, so
 *   there are few roundings to bias and matching the customer's calculator matters more.
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -40,
  toExpPos: 40,
})
export type Decimal = DecimalJs

/** What the money functions accept. A JS number is deliberately not a member. */
export type DecimalInput = string | DecimalJs

/** Currencies we know the minor unit of (ISO 4217 exponent). */
export const CURRENCIES = {
  EUR: { minor: 2, symbol: '€' },
  USD: { minor: 2, symbol: '$' },
  GBP: { minor: 2, symbol: '£' },
  PLN: { minor: 2, symbol: 'zł' },
  UAH: { minor: 2, symbol: '₴' },
  JPY: { minor: 0, symbol: '¥' },
  KWD: { minor: 3, symbol: 'KWD' },
  BHD: { minor: 3, symbol: 'BHD' },
} as const satisfies Record<string, { minor: number; symbol: string }>
export type CurrencyCode = keyof typeof CURRENCIES

export function isCurrency(code: string): code is CurrencyCode {
  return Object.hasOwn(CURRENCIES, code)
}

/** Number of decimals of a currency's minor unit; throws on an unknown code. */
export function minorUnits(currency: string): number {
  if (!isCurrency(currency)) throw new RangeError(`Unknown currency "${currency}"`)
  return CURRENCIES[currency].minor
}

const PLAIN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/

/**
 * A decimal from a plain decimal string ("12", "-0.50", "199.9900") or a Decimal.
 * Exponents, NaN, Infinity, thousands separators and blanks are refused: money never arrives that way.
 */
export function dec(value: DecimalInput): Decimal {
  if (value instanceof DecimalJs) {
    if (!value.isFinite()) throw new RangeError(`Not a finite decimal: ${value.toString()}`)
    return value.constructor === Decimal ? value : new Decimal(value)
  }
  if (typeof value !== 'string') {
    // Guards callers that bypassed the types (JSON, `as any`): 0.1 + 0.2 must never reach a ledger.
    throw new TypeError(`Money values must be strings or Decimals, got ${typeof value}`)
  }
  const s = value.trim()
  if (!PLAIN.test(s)) throw new RangeError(`Not a decimal number: "${value}"`)
  return new Decimal(s)
}

/** True when the string is a plain decimal number `dec` accepts. */
export function isDecimalString(value: string): boolean {
  return PLAIN.test(value.trim())
}

export const ZERO: Decimal = new Decimal(0)

export function add(a: DecimalInput, b: DecimalInput): Decimal {
  return dec(a).plus(dec(b))
}
export function sub(a: DecimalInput, b: DecimalInput): Decimal {
  return dec(a).minus(dec(b))
}
export function mul(a: DecimalInput, b: DecimalInput): Decimal {
  return dec(a).times(dec(b))
}
/** Division to 40 significant digits; round the result where it becomes money. */
export function div(a: DecimalInput, b: DecimalInput): Decimal {
  const d = dec(b)
  if (d.isZero()) throw new RangeError('Division by zero')
  return dec(a).div(d)
}
export function neg(a: DecimalInput): Decimal {
  return dec(a).negated()
}
export function abs(a: DecimalInput): Decimal {
  return dec(a).abs()
}

/** Sum of a list; the empty sum is 0. */
export function sum(values: Iterable<DecimalInput>): Decimal {
  let total = ZERO
  for (const v of values) total = total.plus(dec(v))
  return total
}

/** -1, 0 or 1. */
export function compare(a: DecimalInput, b: DecimalInput): -1 | 0 | 1 {
  return dec(a).comparedTo(dec(b)) as -1 | 0 | 1
}
export const eq = (a: DecimalInput, b: DecimalInput): boolean => compare(a, b) === 0
export const lt = (a: DecimalInput, b: DecimalInput): boolean => compare(a, b) < 0
export const lte = (a: DecimalInput, b: DecimalInput): boolean => compare(a, b) <= 0
export const gt = (a: DecimalInput, b: DecimalInput): boolean => compare(a, b) > 0
export const gte = (a: DecimalInput, b: DecimalInput): boolean => compare(a, b) >= 0
export const isZero = (a: DecimalInput): boolean => dec(a).isZero()
export const isNegative = (a: DecimalInput): boolean => dec(a).lt(0)
export function min(a: DecimalInput, b: DecimalInput): Decimal {
  return lte(a, b) ? dec(a) : dec(b)
}
export function max(a: DecimalInput, b: DecimalInput): Decimal {
  return gte(a, b) ? dec(a) : dec(b)
}

/** Rounds half away from zero to a number of decimal places. */
export function roundTo(value: DecimalInput, places: number): Decimal {
  if (!Number.isInteger(places) || places < 0) throw new RangeError(`Bad number of decimal places: ${places}`)
  const r = dec(value).toDecimalPlaces(places, Decimal.ROUND_HALF_UP)
  return r.isZero() ? ZERO : r // no "-0.00" on an invoice
}

/** Rounds to the currency's minor unit (cents; yen; fils). */
export function round(value: DecimalInput, currency: string): Decimal {
  return roundTo(value, minorUnits(currency))
}

/** An invoice line: quantity × unit price (unit prices may carry 4–6 decimals), rounded once to the currency. */
export function lineTotal(quantity: DecimalInput, unitPrice: DecimalInput, currency: string): Decimal {
  return round(dec(quantity).times(dec(unitPrice)), currency)
}

/** True when the value has no digits below the currency's minor unit. */
export function isRounded(value: DecimalInput, currency: string): boolean {
  const d = dec(value)
  return d.eq(d.toDecimalPlaces(minorUnits(currency)))
}

/** Fixed-point string at the currency's minor unit: "122.58", "1000", "0.125". */
export function toFixed(value: DecimalInput, currency: string): string {
  return round(value, currency).toFixed(minorUnits(currency))
}

// ---------------------------------------------------------------------------------------------
// Allocation

/**
 * Splits an amount over parts (a count, or weights such as days or quantities) so that the parts
 * sum exactly to the amount: each part gets its share rounded toward zero to the minor unit, then the
 * left-over minor units go one each to the parts with the largest remainders (earlier parts win ties).
 */
export function allocate(
  amount: DecimalInput,
  parts: number | readonly DecimalInput[],
  currency: string,
): Decimal[] {
  const total = dec(amount)
  if (!isRounded(total, currency)) {
    throw new RangeError(`Amount ${total.toFixed()} has more decimals than ${currency} allows`)
  }
  let weights: Decimal[]
  if (typeof parts === 'number') {
    if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`Cannot allocate over ${parts} parts`)
    weights = Array.from({ length: parts }, () => new Decimal(1))
  } else {
    weights = parts.map((w) => dec(w))
    if (weights.length === 0) throw new RangeError('Cannot allocate over no parts')
    if (weights.some((w) => w.isNeg())) throw new RangeError('Allocation weights must not be negative')
  }
  const weightSum = sum(weights)
  if (weightSum.isZero()) throw new RangeError('Allocation weights sum to zero')

  const places = minorUnits(currency)
  const sign = total.isNeg() ? -1 : 1
  const magnitude = total.abs()
  const shares = weights.map((w) => magnitude.times(w).div(weightSum))
  const floors = shares.map((s) => s.toDecimalPlaces(places, Decimal.ROUND_DOWN))
  const unit = new Decimal(1).div(new Decimal(10).pow(places))
  let leftUnits = magnitude.minus(sum(floors)).div(unit).round().toNumber()
  const order = shares
    .map((s, i) => ({ i, rest: s.minus(floors[i]!) }))
    .sort((a, b) => b.rest.comparedTo(a.rest) || a.i - b.i)
  for (const { i } of order) {
    if (leftUnits <= 0) break
    floors[i] = floors[i]!.plus(unit)
    leftUnits--
  }
  return floors.map((f) => (sign < 0 && !f.isZero() ? f.negated() : f))
}

// ---------------------------------------------------------------------------------------------
// Tax

export interface TaxSplit {
  net: Decimal
  tax: Decimal
  gross: Decimal
}

/** Tax on a price without tax: tax = round(net × rate / 100). */
export function taxFromNet(net: DecimalInput, ratePercent: DecimalInput, currency: string): TaxSplit {
  const n = round(net, currency)
  const tax = round(n.times(dec(ratePercent)).div(100), currency)
  return { net: n, tax, gross: n.plus(tax) }
}

/** Tax contained in a price with tax: tax = round(gross × rate / (100 + rate)), net = gross − tax. */
export function taxFromGross(gross: DecimalInput, ratePercent: DecimalInput, currency: string): TaxSplit {
  const g = round(gross, currency)
  const rate = dec(ratePercent)
  const tax = round(g.times(rate).div(rate.plus(100)), currency)
  return { net: g.minus(tax), tax, gross: g }
}

export interface TaxableLine {
  /** Line amount, already rounded to the currency: the net when `included` is false, the gross when true. */
  amount: DecimalInput
  ratePercent: DecimalInput
  /** True when `amount` already contains the tax (price with tax). */
  included: boolean
  /** Identity of the tax rate (its id); lines with the same key are taxed together. */
  key?: string | number
}

export interface TaxGroup extends TaxSplit {
  key: string
  ratePercent: Decimal
  included: boolean
  lines: number
}

export interface InvoiceTax {
  groups: TaxGroup[]
  net: Decimal
  tax: Decimal
  gross: Decimal
}

/**
 * Tax of a whole invoice: lines are summed per tax rate and the tax is computed once per rate and
 * rounded once, so ten lines of 0.99 at 23 % give 2.28 tax, not 10 × 0.23 = 2.30. Groups come out
 * in the order their first line appears.
 */
export function invoiceTax(lines: readonly TaxableLine[], currency: string): InvoiceTax {
  const byKey = new Map<string, { rate: Decimal; included: boolean; amount: Decimal; lines: number }>()
  for (const [i, line] of lines.entries()) {
    const rate = dec(line.ratePercent)
    if (rate.isNeg()) throw new RangeError(`Line ${i + 1}: tax rate must not be negative`)
    const amount = dec(line.amount)
    if (!isRounded(amount, currency)) {
      throw new RangeError(`Line ${i + 1}: amount ${amount.toFixed()} is not rounded to ${currency}`)
    }
    const key =
      line.key === undefined ? `${rate.toFixed()}%${line.included ? ' incl.' : ''}` : String(line.key)
    const group = byKey.get(key)
    if (!group) {
      byKey.set(key, { rate, included: line.included, amount, lines: 1 })
    } else {
      if (!group.rate.eq(rate) || group.included !== line.included) {
        throw new RangeError(
          `Line ${i + 1}: tax rate "${key}" is used with different percentages or inclusion`,
        )
      }
      group.amount = group.amount.plus(amount)
      group.lines++
    }
  }
  const groups: TaxGroup[] = []
  for (const [key, g] of byKey) {
    const split = g.included
      ? taxFromGross(g.amount, g.rate, currency)
      : taxFromNet(g.amount, g.rate, currency)
    groups.push({ key, ratePercent: g.rate, included: g.included, lines: g.lines, ...split })
  }
  return {
    groups,
    net: sum(groups.map((g) => g.net)),
    tax: sum(groups.map((g) => g.tax)),
    gross: sum(groups.map((g) => g.gross)),
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL numeric

/** Suggested column sizes: amounts at 4 decimals, unit prices and rates at 6. */
export const PG_AMOUNT = { precision: 18, scale: 4 } as const
export const PG_RATE = { precision: 18, scale: 6 } as const

/** A decimal as a string for a `numeric` parameter or column (never in exponent notation). */
export function toPg(value: DecimalInput): string {
  return dec(value).toFixed()
}

/** A `numeric` value read from PostgreSQL (the driver gives strings); refuses numbers and NaN. */
export function fromPg(value: string | DecimalJs): Decimal {
  if (typeof value === 'string' && /^[+-]?(NaN|Infinity)$/i.test(value.trim())) {
    throw new RangeError(`numeric ${value} is not money`)
  }
  return dec(value)
}

export function fromPgNullable(value: string | DecimalJs | null | undefined): Decimal | null {
  return value === null || value === undefined ? null : fromPg(value)
}

// ---------------------------------------------------------------------------------------------
// Display

export type Language = 'en' | 'es' | 'uk' | 'pl'

const NBSP = '\u00a0'

/**
 * Number conventions per language, written out (CLDR values) instead of asking Intl, whose output
 * varies with the ICU build: es and pl don't group four-digit numbers ("1234,50") but do group
 * five ("12.345,50" / "12 345,50"); uk groups from four.
 */
const LOCALES: Record<
  Language,
  { group: string; decimal: string; minGrouping: number; symbolFirst: boolean }
> = {
  en: { group: ',', decimal: '.', minGrouping: 1, symbolFirst: true },
  es: { group: '.', decimal: ',', minGrouping: 2, symbolFirst: false },
  pl: { group: NBSP, decimal: ',', minGrouping: 2, symbolFirst: false },
  uk: { group: NBSP, decimal: ',', minGrouping: 1, symbolFirst: false },
}

export function isLanguage(lang: string): lang is Language {
  return Object.hasOwn(LOCALES, lang)
}

function localeOf(lang: string) {
  return LOCALES[isLanguage(lang) ? lang : 'en']
}

/** A number for display: "1,234.50" (en), "1234,50" / "12.345,50" (es), "1 234,50" (uk, NBSP). */
export function formatNumber(value: DecimalInput, lang: string, places: number): string {
  const loc = localeOf(lang)
  const r = roundTo(value, places)
  const [intPart, frac] = r.abs().toFixed(places).split('.') as [string, string | undefined]
  let grouped = intPart
  if (intPart.length >= 4 + (loc.minGrouping - 1)) {
    grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, loc.group)
  }
  return (r.isNeg() ? '-' : '') + grouped + (frac ? loc.decimal + frac : '')
}

/**
 * An amount with its currency, as an invoice shows it: "$1,234.50", "-€5.00", "KWD 1.250" (en);
 * "1234,50 €", "12 345,50 zł", "1 234,50 ₴" with a no-break space (es, pl, uk).
 */
export function formatMoney(value: DecimalInput, currency: string, lang: string): string {
  const places = minorUnits(currency)
  const loc = localeOf(lang)
  const symbol = CURRENCIES[currency as CurrencyCode].symbol
  const number = formatNumber(dec(value).abs(), lang, places)
  const sign = round(value, currency).isNeg() ? '-' : ''
  if (loc.symbolFirst) {
    return sign + (/^[A-Z]{3}$/.test(symbol) ? symbol + NBSP : symbol) + number
  }
  return sign + number + NBSP + symbol
}

/**
 * Reads an amount typed by a person in the given language. The language's decimal separator is the
 * decimal point; its group separator (and spaces) may separate thousands, but only in groups of three.
 * In comma languages a lone dot is also read as a decimal point (numeric keypads type one). Returns
 * null for anything malformed rather than guessing.
 */
export function parseLocalized(input: string, lang: string): Decimal | null {
  const loc = localeOf(lang)
  const s = input.trim().replace(/[\s\u00a0\u202f]/g, '')
  const m = /^([+-]?)([\d.,]+)$/.exec(s)
  if (!m) return null
  const [, sign, body] = m as unknown as [string, string, string]
  const decimalMark = loc.decimal
  const groupMark = decimalMark === ',' ? '.' : ','
  let intPart = body
  let frac = ''
  const lastDecimal = body.lastIndexOf(decimalMark)
  if (lastDecimal >= 0) {
    intPart = body.slice(0, lastDecimal)
    frac = body.slice(lastDecimal + 1)
  } else if (
    decimalMark === ',' &&
    (body.match(/\./g)?.length ?? 0) === 1 &&
    !/^\d{1,3}\.\d{3}$/.test(body)
  ) {
    ;[intPart, frac] = body.split('.') as [string, string]
  }
  if (!/^\d*$/.test(frac) || (lastDecimal >= 0 && frac === '')) return null
  if (intPart.includes(groupMark)) {
    if (!new RegExp(`^\\d{1,3}(\\${groupMark}\\d{3})+$`).test(intPart)) return null
    intPart = intPart.replaceAll(groupMark, '')
  }
  if (!/^\d+$/.test(intPart)) return null
  return new Decimal(`${sign}${intPart}${frac ? `.${frac}` : ''}`)
}
