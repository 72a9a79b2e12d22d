/**
 * Fair-usage windows of a plan ('HH:MM'–'HH:MM' on ISO weekdays, local time of the instance): which rule
 * is in force at an instant. A window with from > to wraps past midnight and belongs to the weekday it
 * starts on (Fri 23:00–07:00 covers Saturday 03:00).
 */
import { Temporal } from 'temporal-polyfill'
import { buildMikrotikRateLimit } from '../protocol/rate-limit.ts'
import type { FairUsageRule } from '../store/subscriber-index.ts'

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

export function ruleActive(rule: FairUsageRule, at: number, timeZone: string): boolean {
  const local = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone)
  const now = local.hour * 60 + local.minute
  const from = minutes(rule.from)
  const to = minutes(rule.to)
  const day = local.dayOfWeek
  const yesterday = day === 1 ? 7 : day - 1
  if (from === to) return rule.weekdays.includes(day)
  if (from < to) return rule.weekdays.includes(day) && now >= from && now < to
  return (rule.weekdays.includes(day) && now >= from) || (rule.weekdays.includes(yesterday) && now < to)
}

/** The first rule of this kind in force at `at`, or null. */
export function activeRule(
  rules: FairUsageRule[],
  kind: FairUsageRule['kind'],
  at: number,
  timeZone: string,
): FairUsageRule | null {
  return rules.find((r) => r.kind === kind && ruleActive(r, at, timeZone)) ?? null
}

/** The Mikrotik-Rate-Limit of a 'speed' window (the plan's speed for a side the rule leaves out). */
export function windowRateLimit(
  rule: FairUsageRule,
  plan: { downloadKbps: number | null; uploadKbps: number | null },
): string | null {
  const down = rule.downloadKbps ?? plan.downloadKbps
  const up = rule.uploadKbps ?? plan.uploadKbps
  return down && up ? buildMikrotikRateLimit({ downloadKbps: down, uploadKbps: up }) : null
}
