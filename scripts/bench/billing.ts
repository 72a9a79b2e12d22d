// npm run bench:billing -- --customers 100000 [--batch 1000]
// The monthly billing run on real PostgreSQL: its own database (uplink_bench_billing, dropped and
// recreated), N active customers with one internet service each (bulk inserts), then a billing run
// for 1 Feb 2026 (preview, confirm, commit; no PDFs) and an immediate re-run that must find nothing.
// run_s is the whole run (preview + commit); the parts are printed too. Last line: one JSON object.
// node_cpu_s / pg_cpu_s: CPU seconds of the first run, this process and its PostgreSQL backends.
// --profile <file>: a CPU profile of the first run. --log-statements <ms>: the bench database logs
// statements slower than that to the server log (where PostgreSQL's time goes).
import { ManualClock } from '../../core/kernel/clock.ts'
import { workRuns } from '../../core/finance/billing/process.ts'
import { cancelRun, confirmRun, createRun, getRun } from '../../core/finance/billing/runs.ts'
import { ensureMainPartner } from '../../core/partners/bootstrap.ts'
import { systemActor } from '../../core/partners/scope.ts'
import { arg, seconds, freshBenchDatabase, startProfile } from './common.ts'
import { connect } from '../../db/client.ts'
import { cpuMark, cpuSince } from './billing-cpu.ts'

const DB_NAME = 'uplink_bench_billing'
const RUN_DATE = '2026-02-01'

async function main(): Promise<void> {
  const count = arg('customers', 100_000)
  const batchSize = arg('batch', 1000)
  const url = await freshBenchDatabase(DB_NAME, 'billing')
  const logAt = process.argv.indexOf('--log-statements')
  if (logAt >= 0) {
    const ms = Number(process.argv[logAt + 1])
    if (!Number.isInteger(ms) || ms < 0) throw new Error('--log-statements must be a whole number of milliseconds')
    const admin = connect(url, { max: 1 })
    await admin.sql.unsafe(`alter database ${DB_NAME} set log_min_duration_statement = ${ms}`)
    await admin.close()
  }
  const database = connect(url, { max: 4 })
  const { db, sql } = database
  try {
    await ensureMainPartner(db)
    const built = performance.now()
    const [partner] = await sql<{ id: number }[]>`select id from partners order by id limit 1`
    const [vat] = await sql<{ id: number }[]>`insert into tax_rates (name, rate_percent) values ('VAT 23', 23) returning id`
    const [plan] = await sql<{ id: number }[]>`
      insert into plans (type, name, price, tax_rate_id, download_kbps, upload_kbps, priority)
      values ('internet', 'Fiber 100', 39.99, ${vat!.id}, 102400, 25600, 8) returning id`
    await sql`
      insert into customers (partner_id, login, name, status, billing_day, date_added)
      select ${partner!.id}, 'bench' || g, 'Bench customer ' || g, 'active', 1, '2025-12-01'
      from generate_series(1, ${count}) g`
    await sql`
      insert into services (customer_id, plan_id, type, description, start_date, status, login)
      select c.id, ${plan!.id}, 'internet', 'Fiber 100', '2026-01-01', 'active', c.login from customers c`
    await sql`analyze`
    console.log(`built ${count} customers with one internet service each in ${seconds(built)} s`)

    const clock = new ManualClock(`${RUN_DATE}T06:00:00Z`)
    const progress = async (_p: number, message: string) => {
      if (process.env.BENCH_VERBOSE) console.log(message)
    }
    const timed = async () => {
      const start = performance.now()
      const run = await createRun(db, clock, systemActor, { runDate: RUN_DATE })
      await workRuns({ db, clock, batchSize, progress })
      const preview_s = seconds(start)
      const previewed = await getRun(db, systemActor, run.id)
      if (previewed.customers === 0) {
        await cancelRun(db, clock, systemActor, run.id)
        return { run: previewed, preview_s, commit_s: 0, total_s: seconds(start) }
      }
      const commitStart = performance.now()
      await confirmRun(db, clock, systemActor, run.id)
      await workRuns({ db, clock, batchSize, progress })
      return { run: await getRun(db, systemActor, run.id), preview_s, commit_s: seconds(commitStart), total_s: seconds(start) }
    }
    const profile = await startProfile()
    const before = await cpuMark(sql, DB_NAME)
    const first = await timed()
    const cpu = cpuSince(before, await cpuMark(sql, DB_NAME))
    await profile?.stop()
    console.log(`run #${first.run.id}: ${first.run.invoices} invoices, total ${first.run.total}; preview ${first.preview_s} s, commit ${first.commit_s} s`)
    const rerun = await timed()
    console.log(`re-run #${rerun.run.id}: ${rerun.run.invoices} invoices in ${rerun.total_s} s`)
    const [{ n: invoices } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from invoices`
    console.log(
      JSON.stringify({
        bench: 'billing',
        customers: count,
        run_s: first.total_s,
        preview_s: first.preview_s,
        commit_s: first.commit_s,
        ...cpu,
        invoices,
        rerun_s: rerun.total_s,
        rerun_invoices: rerun.run.invoices,
      }),
    )
  } finally {
    await database.close()
  }
}

await main()
