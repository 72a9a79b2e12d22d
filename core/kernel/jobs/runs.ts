import { and, desc, eq, gt, inArray, lt, ne, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { jobRuns } from './schema.ts'
import type { JobTrigger, RunStatus } from './types.ts'

export type JobRunRow = typeof jobRuns.$inferSelect

// Change tracking for live views uses the database's own clock, not the (possibly manual) app clock.
const NOW = sql`clock_timestamp()`

interface RunStart {
  job: string
  trigger: JobTrigger
  node: string
  slot: Date | null
  at: Date
}

/**
 * Records a run as running. For a scheduled tick another node already ran (or is running), the
 * unique (job, slot) index refuses it and null is returned.
 */
export async function startRun(db: DbOrTx, run: RunStart): Promise<bigint | null> {
  const [row] = await db
    .insert(jobRuns)
    .values({
      job: run.job,
      status: 'running',
      trigger: run.trigger,
      node: run.node,
      slot: run.slot,
      startedAt: run.at,
      updatedAt: NOW,
    })
    .onConflictDoNothing({ target: [jobRuns.job, jobRuns.slot], where: sql`status <> 'skipped'` })
    .returning({ id: jobRuns.id })
  return row?.id ?? null
}

/** A run this node did not make: the lock was held elsewhere or the tick had already run. */
export async function recordSkipped(db: DbOrTx, run: RunStart & { message: string }): Promise<bigint> {
  const [row] = await db
    .insert(jobRuns)
    .values({
      job: run.job,
      status: 'skipped',
      trigger: run.trigger,
      node: run.node,
      slot: run.slot,
      startedAt: run.at,
      finishedAt: run.at,
      durationMs: 0,
      message: run.message,
      updatedAt: NOW,
    })
    .returning({ id: jobRuns.id })
  return row!.id
}

export async function reportProgress(
  db: DbOrTx,
  id: bigint,
  percent: number,
  message: string | null,
): Promise<void> {
  const progress = Math.max(0, Math.min(100, Math.round(percent)))
  await db
    .update(jobRuns)
    .set({ progress, ...(message !== null ? { message } : {}), updatedAt: NOW })
    .where(and(eq(jobRuns.id, id), eq(jobRuns.status, 'running')))
}

export async function finishRun(
  db: DbOrTx,
  id: bigint,
  outcome: {
    status: Extract<RunStatus, 'succeeded' | 'failed'>
    at: Date
    durationMs: number
    error?: string
    result?: unknown
  },
): Promise<void> {
  await db
    .update(jobRuns)
    .set({
      status: outcome.status,
      finishedAt: outcome.at,
      durationMs: outcome.durationMs,
      updatedAt: NOW,
      ...(outcome.status === 'succeeded' ? { progress: 100 } : {}),
      error: outcome.error ?? null,
      result: outcome.result === undefined ? null : toJson(outcome.result),
    })
    .where(eq(jobRuns.id, id))
}

/** Who holds a tick: the run that took the (job, slot) key. */
export async function runOfSlot(db: DbOrTx, job: string, slot: Date): Promise<JobRunRow | undefined> {
  const [row] = await db
    .select()
    .from(jobRuns)
    .where(and(eq(jobRuns.job, job), eq(jobRuns.slot, slot), ne(jobRuns.status, 'skipped')))
  return row
}

export async function getRun(db: DbOrTx, id: bigint): Promise<JobRunRow | undefined> {
  const [row] = await db.select().from(jobRuns).where(eq(jobRuns.id, id))
  return row
}

export interface RunFilter {
  job?: string
  status?: RunStatus
  includeSkipped?: boolean
  /** Keyset paging: runs with an id below this. */
  beforeId?: bigint
  limit?: number
}

export async function listRuns(db: DbOrTx, filter: RunFilter = {}): Promise<JobRunRow[]> {
  const conds: SQL[] = []
  if (filter.job) conds.push(eq(jobRuns.job, filter.job))
  if (filter.status) conds.push(eq(jobRuns.status, filter.status))
  else if (!filter.includeSkipped) conds.push(ne(jobRuns.status, 'skipped'))
  if (filter.beforeId !== undefined) conds.push(lt(jobRuns.id, filter.beforeId))
  return db
    .select()
    .from(jobRuns)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(jobRuns.id))
    .limit(filter.limit ?? 50)
}

/** The latest real (not skipped) run of each of these jobs. */
export async function lastRuns(db: DbOrTx, jobs: string[]): Promise<Map<string, JobRunRow>> {
  if (jobs.length === 0) return new Map()
  const rows = await db
    .selectDistinctOn([jobRuns.job])
    .from(jobRuns)
    .where(and(inArray(jobRuns.job, jobs), ne(jobRuns.status, 'skipped')))
    .orderBy(jobRuns.job, desc(jobRuns.id))
  return new Map(rows.map((r) => [r.job, r]))
}

/** Runs touched after `since` (for live views polling across nodes). */
export async function runsChangedSince(db: DbOrTx, since: Date): Promise<JobRunRow[]> {
  return db.select().from(jobRuns).where(gt(jobRuns.updatedAt, since)).orderBy(jobRuns.updatedAt).limit(200)
}

/** Deletes finished runs older than `before`; returns how many. */
export async function pruneRuns(db: DbOrTx, before: Date): Promise<number> {
  const deleted = await db
    .delete(jobRuns)
    .where(and(lt(jobRuns.startedAt, before), ne(jobRuns.status, 'running')))
    .returning({ id: jobRuns.id })
  return deleted.length
}

function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null')
}
