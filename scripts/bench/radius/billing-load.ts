/**
 * Billing beside the RADIUS server (bench:radius --panel), as its own process on the bench database:
 * the daily billing job for one day after another of the month (each day's customers by billing day,
 * about 1/28 of them), previewed and committed back to back as the engine does, until told to stop.
 * Committed invoices move balances, so the RADIUS server also sees the customer changes that billing
 * causes. Sends {type: 'loading'} when it starts and, after {type: 'stop'} (the run under way is
 * finished first), {type: 'result', result}. Environment: DATABASE_URL.
 */
import { workRuns } from '../../../core/finance/billing/process.ts'
import { confirmRun, createRun, getRun } from '../../../core/finance/billing/runs.ts'
import { ManualClock } from '../../../core/kernel/clock.ts'
import { systemActor } from '../../../core/partners/scope.ts'
import { connect } from '../../../db/client.ts'

export interface BillingLoadResult {
  runs: number
  invoices: number
}

async function main(): Promise<void> {
  process.once('disconnect', () => process.exit(1))
  let stopping = false
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop') stopping = true
  })
  const database = connect(process.env.DATABASE_URL!, { max: 4 })
  const { db } = database
  const result: BillingLoadResult = { runs: 0, invoices: 0 }
  const month = new Date().toISOString().slice(0, 8)
  process.send!({ type: 'loading' })
  for (let day = 1; day <= 28 && !stopping; day++) {
    const runDate = `${month}${String(day).padStart(2, '0')}`
    const clock = new ManualClock(`${runDate}T06:00:00Z`)
    const run = await createRun(db, clock, systemActor, { runDate })
    const deps = { db, clock, batchSize: 1000, progress: async () => {} }
    await workRuns(deps)
    await confirmRun(db, clock, systemActor, run.id)
    await workRuns(deps)
    result.runs++
    result.invoices += (await getRun(db, systemActor, run.id)).invoices
  }
  while (!stopping) await new Promise((r) => setTimeout(r, 50))
  await database.close()
  process.send!({ type: 'result', result })
}

main().catch((err) => {
  process.send?.({ type: 'error', message: String(err?.stack ?? err) })
  process.exit(1)
})
