import type { JobFunction } from '../types.ts'
import { pruneRuns } from '../runs.ts'

const KEEP_DAYS = 90

/** Keeps job_runs from growing without bound (every node records a skipped row per tick it loses). */
const prune: JobFunction = async (ctx, run) => {
  const before = new Date(ctx.clock.now().getTime() - KEEP_DAYS * 86_400_000)
  const deleted = await pruneRuns(ctx.db, before)
  await run.progress(100, `deleted ${deleted} runs`)
  return { deleted, before: before.toISOString() }
}
export default prune
