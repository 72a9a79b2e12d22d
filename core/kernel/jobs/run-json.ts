import { Type } from 'typebox'
import type { JobRunRow } from './runs.ts'

/** A job run as the jobs API and the live channel send it. */
export const RunJson = Type.Object({
  id: Type.String(),
  job: Type.String(),
  status: Type.String(),
  trigger: Type.String(),
  node: Type.String(),
  slot: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  progress: Type.Integer(),
  message: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  result: Type.Unknown(),
})

export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

export function runJson(r: JobRunRow) {
  return {
    id: r.id.toString(),
    job: r.job,
    status: r.status,
    trigger: r.trigger,
    node: r.node,
    slot: iso(r.slot),
    startedAt: iso(r.startedAt)!,
    finishedAt: iso(r.finishedAt),
    durationMs: r.durationMs,
    progress: r.progress,
    message: r.message,
    error: r.error,
    result: r.result,
  }
}
