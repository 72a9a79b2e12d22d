import type { JobFunction } from '../../../kernel/jobs/types.ts'
import { runCollections } from '../run.ts'

/** The daily collections pass (see run.ts), for the ISP's today. */
const daily: JobFunction = async (ctx, run) => {
  const today = ctx.clock.today().toString()
  return runCollections(ctx.db, { clock: ctx.clock, emit: ctx.emit }, today, (percent, message) => run.progress(percent, message))
}
export default daily
