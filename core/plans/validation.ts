import type { FieldError } from '../kernel/errors.ts'
import { dec, isDecimalString } from '../kernel/money.ts'
import type { FairUsageRule, TopUpOption } from './schema.ts'

export const PLAN_TYPES = ['internet', 'voice', 'recurring', 'one_time', 'bundle'] as const
export type PlanType = (typeof PLAN_TYPES)[number]
export const CAP_DIRECTIONS = ['both', 'download', 'upload'] as const
export const CAP_ACTIONS = ['block', 'fixed_speed', 'reduce'] as const

/** Fields that only internet plans have. */
export const INTERNET_FIELDS = [
  'downloadKbps',
  'uploadKbps',
  'burstPercent',
  'burstThresholdPercent',
  'burstTimeS',
  'priority',
  'capMb',
  'capDirection',
  'capAction',
  'capDownloadKbps',
  'capUploadKbps',
  'capReducePercent',
  'topUps',
  'fairUsage',
] as const
export const VOICE_FIELDS = ['voiceRateTableId', 'voiceMarkupPercent', 'voiceIncludedMinutes'] as const
export const BUNDLE_FIELDS = ['activationFee', 'contractMonths', 'earlyCancellationFee', 'items'] as const

/** Collects field errors while reading loosely typed input (API bodies, forms with strings). */
export class Checker {
  readonly errors: FieldError[] = []
  constructor(private readonly input: Record<string, unknown>) {}

  has(field: string): boolean {
    return this.input[field] !== undefined
  }
  fail(field: string, message: string): undefined {
    this.errors.push({ field, message })
    return undefined
  }
  raw(field: string): unknown {
    const v = this.input[field]
    return typeof v === 'string' && v.trim() === '' ? null : v
  }

  text(field: string, opts: { max: number; required?: boolean }): string | null | undefined {
    const v = this.raw(field)
    if (v === undefined) return opts.required ? this.fail(field, 'is required') : undefined
    if (v === null) return opts.required ? this.fail(field, 'is required') : null
    if (typeof v !== 'string') return this.fail(field, 'must be text')
    const s = v.trim()
    if (s.length > opts.max) return this.fail(field, `must be at most ${opts.max} characters`)
    return s
  }

  int(field: string, opts: { min: number; max: number; required?: boolean }): number | null | undefined {
    const v = this.raw(field)
    if (v === undefined) return opts.required ? this.fail(field, 'is required') : undefined
    if (v === null) return opts.required ? this.fail(field, 'is required') : null
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n)) return this.fail(field, 'must be a whole number')
    if (n < opts.min || n > opts.max) return this.fail(field, `must be from ${opts.min} to ${opts.max}`)
    return n
  }

  /** A decimal as a string with at most `scale` decimals, within bounds. */
  decimal(
    field: string,
    opts: { min: string; max: string; scale: number; required?: boolean },
  ): string | null | undefined {
    const v = this.raw(field)
    if (v === undefined) return opts.required ? this.fail(field, 'is required') : undefined
    if (v === null) return opts.required ? this.fail(field, 'is required') : null
    if (typeof v !== 'string' || !isDecimalString(v))
      return this.fail(field, 'must be a decimal number such as 19.99')
    const d = dec(v)
    if (d.decimalPlaces() > opts.scale) return this.fail(field, `must have at most ${opts.scale} decimals`)
    if (d.lt(opts.min) || d.gt(opts.max)) return this.fail(field, `must be from ${opts.min} to ${opts.max}`)
    return d.toFixed()
  }

  bool(field: string): boolean | undefined {
    const v = this.raw(field)
    if (v === undefined || v === null) return undefined
    if (typeof v === 'boolean') return v
    if (v === 'true' || v === 'on' || v === '1') return true
    if (v === 'false' || v === 'off' || v === '0') return false
    return this.fail(field, 'must be true or false')
  }

  oneOf<T extends string>(field: string, values: readonly T[], required = false): T | null | undefined {
    const v = this.raw(field)
    if (v === undefined || v === null)
      return required ? this.fail(field, 'is required') : (v as null | undefined)
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      return this.fail(field, `must be one of ${values.join(', ')}`)
    }
    return v as T
  }
}

export function checkTopUps(value: unknown, errors: FieldError[]): TopUpOption[] | undefined {
  if (value === undefined) return undefined
  if (value === null) return []
  if (!Array.isArray(value) || value.length > 20) {
    errors.push({ field: 'topUps', message: 'must be a list of at most 20 top-ups' })
    return undefined
  }
  const out: TopUpOption[] = []
  for (const [i, item] of value.entries()) {
    const c = new Checker(typeof item === 'object' && item ? (item as Record<string, unknown>) : {})
    const name = c.text('name', { max: 100, required: true })
    const mb = c.int('mb', { min: 1, max: 1_000_000_000, required: true })
    const price = c.decimal('price', { min: '0', max: '1000000', scale: 4, required: true })
    for (const e of c.errors) errors.push({ field: `topUps.${i}.${e.field}`, message: e.message })
    if (name && mb && price) out.push({ name, mb, price })
  }
  return out
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

export function checkFairUsage(value: unknown, errors: FieldError[]): FairUsageRule[] | undefined {
  if (value === undefined) return undefined
  if (value === null) return []
  if (!Array.isArray(value) || value.length > 20) {
    errors.push({ field: 'fairUsage', message: 'must be a list of at most 20 rules' })
    return undefined
  }
  const out: FairUsageRule[] = []
  for (const [i, item] of value.entries()) {
    const at = (f: string, message: string) => errors.push({ field: `fairUsage.${i}.${f}`, message })
    const input = typeof item === 'object' && item ? (item as Record<string, unknown>) : {}
    const c = new Checker(input)
    const name = c.text('name', { max: 100, required: true })
    const kind = c.oneOf('kind', ['free', 'speed'] as const, true)
    const from = c.text('from', { max: 5, required: true })
    const to = c.text('to', { max: 5, required: true })
    const downloadKbps = c.int('downloadKbps', { min: 1, max: 100_000_000, required: kind === 'speed' })
    const uploadKbps = c.int('uploadKbps', { min: 1, max: 100_000_000, required: kind === 'speed' })
    for (const e of c.errors) at(e.field, e.message)
    if (from && !TIME.test(from)) at('from', 'must be a time as HH:MM')
    if (to && !TIME.test(to)) at('to', 'must be a time as HH:MM')
    const weekdays = input['weekdays'] ?? [1, 2, 3, 4, 5, 6, 7]
    let days: number[] | undefined
    if (
      Array.isArray(weekdays) &&
      weekdays.length > 0 &&
      weekdays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)
    ) {
      days = [...new Set(weekdays as number[])].sort()
    } else at('weekdays', 'must list ISO weekdays 1 (Monday) to 7 (Sunday)')
    if (name && kind && from && to && TIME.test(from) && TIME.test(to) && days) {
      const rule: FairUsageRule = { name, kind, from, to, weekdays: days }
      if (kind === 'speed') Object.assign(rule, { downloadKbps, uploadKbps })
      out.push(rule)
    }
  }
  return out
}
