import type { JobFunction } from '../../../kernel/jobs/types.ts'
import { stopEndedServices } from '../../../services/lifecycle.ts'
import { applyDuePlanChanges } from '../../../services/plan-change.ts'
import { billPrepaidDaily } from '../daily.ts'
import { invoiceItemSources } from '../plugin-sources.ts'
import { autoConfirmDue } from '../runs.ts'

/** The billing day's chores: scheduled plan changes, ended services, prepaid daily charges, auto-confirm. */
const billingDaily: JobFunction = async (ctx, run) => {
  const changes = await applyDuePlanChanges(ctx.db, ctx.clock, ctx.emit)
  await run.progress(25, `${changes.applied.length} plan changes applied`)
  const stopped = await stopEndedServices(ctx.db, ctx.clock, ctx.emit)
  await run.progress(50, `${stopped.stopped.length} ended services stopped`)
  const daily = await billPrepaidDaily({ db: ctx.db, clock: ctx.clock, plugins: await invoiceItemSources(ctx) })
  await run.progress(90, `${daily.invoices} prepaid daily invoices`)
  const confirmed = await autoConfirmDue(ctx.db, ctx.clock)
  return { planChanges: changes.applied.length, stopped: stopped.stopped.length, dailyInvoices: daily.invoices, autoConfirmed: confirmed }
}
export default billingDaily
