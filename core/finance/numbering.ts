import type { Temporal } from 'temporal-polyfill'
import { toDate, type DateInput } from '../kernel/dates.ts'
import { ValidationError } from '../kernel/errors.ts'

/**
 * Document number patterns, as Splynx writes them: literal text and variables in braces, some with
 * a zero-padded width after a bar.
 *
 *   invoices  {year}{partner_id|2}{next|6}   -> 202601000042
 *   proforma  {year}{next|6}                 -> 2026000007
 *   receipts  {year}-{type|2}-{next|5}       -> 2026-03-00012
 *
 * {year} is four digits ({year|2}: the last two); {month} and {day} are always two; {partner_id|N},
 * {customer_id|N}, {type|N} and {next|N} are padded to at least N digits (no width: no padding).
 * {next} must appear exactly once. The counter behind {next} restarts whenever one of the other
 * variables in the pattern changes: a pattern with {year} numbers each year from 1, one with
 * {partner_id} numbers each partner separately, one with neither counts forever.
 */

export const PATTERN_VARIABLES = [
  'year',
  'month',
  'day',
  'partner_id',
  'customer_id',
  'type',
  'next',
] as const
export type PatternVariable = (typeof PATTERN_VARIABLES)[number]

export type PatternPart = { literal: string } | { variable: PatternVariable; width: number | null }

export interface NumberPattern {
  source: string
  parts: PatternPart[]
  /** The variables other than {next}: they select the counter. */
  resets: PatternVariable[]
}

const LITERAL = /^[\p{L}\p{N} ._/#:-]*$/u
const MAX_WIDTH = 12

function fail(field: string, message: string): never {
  throw new ValidationError([{ field, message }])
}

/** Parses and validates a pattern; errors name the offending token. */
export function parsePattern(source: string, field = 'pattern'): NumberPattern {
  if (typeof source !== 'string' || source.trim() === '') fail(field, 'must not be empty')
  if (source.length > 100) fail(field, 'must be at most 100 characters')
  const parts: PatternPart[] = []
  const seen = new Set<PatternVariable>()
  let i = 0
  while (i < source.length) {
    const open = source.indexOf('{', i)
    const close = source.indexOf('}', i)
    if (close !== -1 && (open === -1 || close < open)) fail(field, `unexpected "}" at position ${close + 1}`)
    const literal = source.slice(i, open === -1 ? source.length : open)
    if (literal) {
      if (!LITERAL.test(literal))
        fail(field, `"${literal}" may hold only letters, digits, spaces and . _ / # : -`)
      parts.push({ literal })
    }
    if (open === -1) break
    const end = source.indexOf('}', open)
    if (end === -1) fail(field, `"${source.slice(open)}" is not closed with "}"`)
    const token = source.slice(open, end + 1)
    const inner = token.slice(1, -1)
    if (inner.includes('{')) fail(field, `"${token}" is not closed with "}"`)
    const [name, width, ...rest] = inner.split('|')
    if (rest.length) fail(field, `${token} has more than one width`)
    if (!(PATTERN_VARIABLES as readonly string[]).includes(name!)) {
      fail(
        field,
        `${token} is not a known variable (use ${PATTERN_VARIABLES.map((v) => `{${v}}`).join(', ')})`,
      )
    }
    const variable = name as PatternVariable
    let w: number | null = null
    if (width !== undefined) {
      if (!/^\d+$/.test(width) || Number(width) < 1 || Number(width) > MAX_WIDTH) {
        fail(field, `${token}: the width must be a whole number from 1 to ${MAX_WIDTH}`)
      }
      w = Number(width)
      if ((variable === 'month' || variable === 'day') && w !== 2)
        fail(field, `${token}: ${variable} is always 2 digits`)
      if (variable === 'year' && w !== 2 && w !== 4)
        fail(field, `${token}: year is 4 digits, or 2 with {year|2}`)
    }
    if (seen.has(variable)) fail(field, `${token} appears more than once`)
    seen.add(variable)
    parts.push({ variable, width: w })
    i = end + 1
  }
  if (!seen.has('next')) fail(field, 'must contain {next} (the running number), e.g. {year}{next|6}')
  const resets = PATTERN_VARIABLES.filter((v) => v !== 'next' && seen.has(v))
  return { source, parts, resets }
}

export interface NumberValues {
  date: DateInput
  partnerId?: number | null
  customerId?: number | null
  /** A small code such as the payment type of a receipt. */
  type?: number | null
}

function need(value: number | null | undefined, variable: PatternVariable): number {
  if (value === null || value === undefined || !Number.isInteger(value) || value < 0) {
    throw new ValidationError([
      { field: variable, message: `the pattern uses {${variable}} but no value was given` },
    ])
  }
  return value
}

function variableValue(variable: PatternVariable, d: Temporal.PlainDate, values: NumberValues): number {
  switch (variable) {
    case 'year':
      return d.year
    case 'month':
      return d.month
    case 'day':
      return d.day
    case 'partner_id':
      return need(values.partnerId, variable)
    case 'customer_id':
      return need(values.customerId, variable)
    case 'type':
      return need(values.type, variable)
    case 'next':
      throw new Error('unreachable')
  }
}

/**
 * The counter a number is taken from: the series plus the values of the pattern's other variables.
 * ('invoice', {year}{partner_id|2}{next|6}, 2026-03-05, partner 3) -> 'year=2026;partner_id=3'.
 */
export function counterKey(pattern: NumberPattern, values: NumberValues): string {
  const d = toDate(values.date)
  return pattern.resets.map((v) => `${v}=${variableValue(v, d, values)}`).join(';')
}

/** Formats a document number from a pattern, its values and the running number. */
export function formatNumber(pattern: NumberPattern, values: NumberValues, next: number | bigint): string {
  if (typeof next === 'number' && (!Number.isSafeInteger(next) || next < 1)) {
    throw new RangeError(`Running number must be a positive integer, got ${next}`)
  }
  if (typeof next === 'bigint' && next < 1n)
    throw new RangeError(`Running number must be positive, got ${next}`)
  const d = toDate(values.date)
  return pattern.parts
    .map((part) => {
      if ('literal' in part) return part.literal
      if (part.variable === 'next') return String(next).padStart(part.width ?? 0, '0')
      const value = variableValue(part.variable, d, values)
      if (part.variable === 'year')
        return part.width === 2 ? String(value % 100).padStart(2, '0') : String(value)
      if (part.variable === 'month' || part.variable === 'day') return String(value).padStart(2, '0')
      return String(value).padStart(part.width ?? 0, '0')
    })
    .join('')
}

/** Splynx's default patterns. */
export const DEFAULT_PATTERNS = {
  invoice: '{year}{partner_id|2}{next|6}',
  proforma: '{year}{next|6}',
  creditNote: 'CN{year}{next|6}',
  receipt: '{year}-{type|2}-{next|5}',
} as const
