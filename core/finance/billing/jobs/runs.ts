import type { JobFunction } from '../../../kernel/jobs/types.ts'
import { workRuns } from '../process.ts'
import { invoiceItemSources } from '../plugin-sources.ts'
import { autoConfirmDue } from '../runs.ts'

/** Confirms previews whose auto-confirm time has come, then previews and commits every open run. */
const billingRuns: JobFunction = async (ctx, run) => {
  const confirmed = await autoConfirmDue(ctx.db, ctx.clock)
  const done = await workRuns({
    db: ctx.db,
    clock: ctx.clock,
    plugins: await invoiceItemSources(ctx),
    progress: (percent, message) => run.progress(percent, message),
    signal: run.signal,
  })
  return { autoConfirmed: confirmed, ...done }
}
export default billingRuns
