import { Temporal } from 'temporal-polyfill'
import type { Clock } from './clock.ts'
import { ValidationError } from './errors.ts'

/**
 * Calendar dates for billing: Temporal.PlainDate in memory, ISO 'YYYY-MM-DD' strings in the database
 * (drizzle `date({ mode: 'string' })`) and on the wire. Never a Date at midnight: a Date is an instant,
 * and the same instant is a different day in Kyiv and in Lima.
 */
export type PlainDate = Temporal.PlainDate
export type DateInput = string | Temporal.PlainDate

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Parses 'YYYY-MM-DD' strictly: 2026-02-30, 2026-2-3 and '2026-02-03T00:00' are refused. */
export function parseDate(value: string, field = 'date'): Temporal.PlainDate {
  const m = ISO_DATE.exec(typeof value === 'string' ? value.trim() : '')
  if (!m)
    throw new ValidationError([{ field, message: `must be a date as YYYY-MM-DD, got "${String(value)}"` }])
  try {
    return Temporal.PlainDate.from(
      { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) },
      { overflow: 'reject' },
    )
  } catch {
    throw new ValidationError([{ field, message: `${value} is not a day of the calendar` }])
  }
}

/** True when the string is a real calendar date as YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  try {
    parseDate(value)
    return true
  } catch {
    return false
  }
}

/** Accepts either form; strings go through parseDate. */
export function toDate(value: DateInput, field = 'date'): Temporal.PlainDate {
  return typeof value === 'string' ? parseDate(value, field) : value
}

/** 'YYYY-MM-DD'. */
export function formatDate(value: DateInput): string {
  return toDate(value).toString()
}

/** Display patterns per language (invoices, panel); every one is a setting later, these are defaults. */
export const DATE_PATTERNS: Record<string, string> = {
  en: 'DD/MM/YYYY',
  es: 'DD/MM/YYYY',
  pl: 'DD.MM.YYYY',
  uk: 'DD.MM.YYYY',
}

/** Formats with a pattern of YYYY, MM, DD (zero-padded) and any literal separators. */
export function formatDatePattern(value: DateInput, pattern: string): string {
  const d = toDate(value)
  return pattern.replace(/YYYY|MM|DD/g, (token) => {
    if (token === 'YYYY') return String(d.year).padStart(4, '0')
    if (token === 'MM') return String(d.month).padStart(2, '0')
    return String(d.day).padStart(2, '0')
  })
}

export function formatDateFor(value: DateInput, lang: string): string {
  return formatDatePattern(value, DATE_PATTERNS[lang] ?? DATE_PATTERNS['en']!)
}

export function daysInMonth(year: number, month: number): number {
  return Temporal.PlainYearMonth.from({ year, month }, { overflow: 'reject' }).daysInMonth
}

/** Adds months keeping the day where it exists and clamping to the month's last day: 31 Jan + 1 = 28/29 Feb. */
export function addMonths(value: DateInput, months: number): Temporal.PlainDate {
  return toDate(value).add({ months }, { overflow: 'constrain' })
}

export function addDays(value: DateInput, days: number): Temporal.PlainDate {
  return toDate(value).add({ days })
}

/** -1, 0 or 1. */
export function compareDates(a: DateInput, b: DateInput): -1 | 0 | 1 {
  return Temporal.PlainDate.compare(toDate(a), toDate(b)) as -1 | 0 | 1
}
export const isBefore = (a: DateInput, b: DateInput): boolean => compareDates(a, b) < 0
export const isAfter = (a: DateInput, b: DateInput): boolean => compareDates(a, b) > 0
export const sameDay = (a: DateInput, b: DateInput): boolean => compareDates(a, b) === 0

export function minDate(a: DateInput, b: DateInput): Temporal.PlainDate {
  return isBefore(b, a) ? toDate(b) : toDate(a)
}
export function maxDate(a: DateInput, b: DateInput): Temporal.PlainDate {
  return isAfter(b, a) ? toDate(b) : toDate(a)
}

/** Days from `start` to `end`, both included: (1 Mar, 1 Mar) = 1, (1 Mar, 31 Mar) = 31; 0 when end < start. */
export function daysInclusive(start: DateInput, end: DateInput): number {
  const n = toDate(start).until(toDate(end), { largestUnit: 'days' }).days + 1
  return Math.max(n, 0)
}

/** Each day from start to end, both included. */
export function* eachDay(start: DateInput, end: DateInput): Generator<Temporal.PlainDate> {
  let d = toDate(start)
  const last = toDate(end)
  while (Temporal.PlainDate.compare(d, last) <= 0) {
    yield d
    d = d.add({ days: 1 })
  }
}

/**
 * Today's date in a time zone, from the clock: the clock's own zone by default (the ISP's), or another
 * one (a partner's) computed from the same instant.
 */
export function today(clock: Clock, timeZone?: string): Temporal.PlainDate {
  if (timeZone === undefined || timeZone === clock.timeZone) return clock.today()
  return Temporal.Instant.fromEpochMilliseconds(clock.now().getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDate()
}

export interface WorkCalendar {
  /** ISO weekdays that are not workdays (1 = Monday .. 7 = Sunday); default Saturday and Sunday. */
  weekend?: readonly number[]
  /** Public holidays as 'YYYY-MM-DD'. */
  holidays?: Iterable<string>
}

export function isWorkday(value: DateInput, calendar: WorkCalendar = {}): boolean {
  const d = toDate(value)
  const weekend = calendar.weekend ?? [6, 7]
  if (weekend.includes(d.dayOfWeek)) return false
  const holidays = calendar.holidays instanceof Set ? calendar.holidays : new Set(calendar.holidays ?? [])
  return !holidays.has(d.toString())
}

/**
 * The date itself when it is a workday, else the next workday: a block or a deactivation that falls
 * on a Saturday moves to Monday (or later, past holidays), so nobody is cut off when support is closed.
 */
export function nextWorkday(value: DateInput, calendar: WorkCalendar = {}): Temporal.PlainDate {
  const weekend = calendar.weekend ?? [6, 7]
  if (weekend.length >= 7) throw new RangeError('A week needs at least one workday')
  const cal: WorkCalendar = { weekend, holidays: new Set(calendar.holidays ?? []) }
  let d = toDate(value)
  // A run of holidays longer than a year is a data error, not a calendar.
  for (let i = 0; i < 366; i++) {
    if (isWorkday(d, cal)) return d
    d = d.add({ days: 1 })
  }
  throw new RangeError(`No workday within a year after ${toDate(value).toString()}`)
}
