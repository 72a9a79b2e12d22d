import { createRequire } from 'node:module'
import type { JobSpec } from './types.ts'

const require = createRequire(import.meta.url)
// Bree's own parser, so that what we display and the ticks we key runs by match what Bree schedules.
const { parseValue } = require('bree/src/job-utils.js') as { parseValue(v: unknown): unknown }
const later = require('@breejs/later') as {
  parse: { cron(expr: string, hasSeconds?: boolean): LaterSchedule }
  schedule(s: LaterSchedule): { next(n: number, from?: Date): Date | Date[] | 0; isValid(): boolean }
}

type LaterSchedule = { schedules: unknown[] }

export interface ParsedSchedule {
  /** Bree fields for this job. */
  bree: { interval?: number | LaterSchedule; cron?: string; hasSeconds?: boolean }
  /** Interval in ms (for `every` given as a duration), or null for calendar schedules. */
  intervalMs: number | null
  /** Tick granularity: ticks on different nodes within this distance are the same tick. */
  granularityMs: number
  /** Calendar schedule (cron or later text) for computing the next run. */
  calendar: LaterSchedule | null
  /** What the jobs page shows. */
  text: string
}

/** Parses a job's `every` / `cron`; throws with the job name when Bree would refuse it. */
export function parseSchedule(spec: Pick<JobSpec, 'name' | 'every' | 'cron'>): ParsedSchedule {
  try {
    if (spec.cron !== undefined) {
      const hasSeconds = spec.cron.trim().split(/\s+/).length === 6
      const calendar = later.parse.cron(spec.cron, hasSeconds)
      if (!later.schedule(calendar).isValid()) throw new Error(`invalid cron "${spec.cron}"`)
      return {
        bree: { cron: spec.cron, hasSeconds },
        intervalMs: null,
        granularityMs: hasSeconds ? 1000 : 60_000,
        calendar,
        text: `cron ${spec.cron}`,
      }
    }
    const value = parseValue(spec.every)
    if (typeof value === 'number') {
      if (value <= 0) throw new Error('interval must be positive')
      return {
        bree: { interval: value },
        intervalMs: value,
        granularityMs: value,
        calendar: null,
        text: `every ${describeMs(value)}`,
      }
    }
    const calendar = value as LaterSchedule
    const bySecond = /sec/i.test(String(spec.every))
    return {
      bree: { interval: calendar },
      intervalMs: null,
      granularityMs: bySecond ? 1000 : 60_000,
      calendar,
      text: String(spec.every),
    }
  } catch (err) {
    throw new Error(
      `Job "${spec.name}": schedule ${JSON.stringify(spec.cron ?? spec.every)} is invalid (${(err as Error).message})`,
    )
  }
}

/**
 * The tick a timer firing at `firedAt` belongs to, the same on every node. Interval jobs use
 * epoch-aligned windows of their interval; calendar jobs round to their granularity, since every
 * node's timer fires at the same wall-clock occurrence.
 */
export function slotOf(schedule: ParsedSchedule, firedAt: Date): Date {
  const t = firedAt.getTime()
  if (schedule.intervalMs !== null) return new Date(Math.floor(t / schedule.intervalMs) * schedule.intervalMs)
  return new Date(Math.round(t / schedule.granularityMs) * schedule.granularityMs)
}

/** The next calendar occurrence after `from`, or for interval jobs `lastTick + interval`. */
export function nextRunOf(schedule: ParsedSchedule, from: Date, lastTick: Date | null): Date | null {
  if (schedule.calendar) {
    const next = later.schedule(schedule.calendar).next(1, new Date(from.getTime() + 1000))
    return next instanceof Date ? next : Array.isArray(next) ? (next[0] ?? null) : null
  }
  return lastTick ? new Date(lastTick.getTime() + schedule.intervalMs!) : null
}

export function describeMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ]
  for (const [size, unit] of units) {
    if (ms % size === 0) {
      const n = ms / size
      return n === 1 ? unit : `${n} ${unit}s`
    }
  }
  return `${ms} ms`
}
