// A billing run commit killed (SIGKILL) at a random point and then resumed issues exactly the invoices
// of an uninterrupted run of the same preview on another database: same numbers, totals and lines.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { workRuns } from '../../../../core/finance/billing/process.ts'
import { confirmRun, createRun, getRun } from '../../../../core/finance/billing/runs.ts'
import { rows, type Db } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, service } from './fixtures.ts'

t.setTimeout(600_000)
const NOW = '2026-04-01T06:00:00Z'
const BATCH = 3
const CUSTOMERS = 45

/** The same customers, plans and services in any fresh database (ids included: inserts in the same order). */
async function world(db: Db) {
  const partner = await mainPartner(db)
  const [vat] = await rows<{ id: number }>(
    db,
    sql`insert into tax_rates (name, rate_percent) values ('VAT 23', 23) returning id`,
  )
  const plans = [
    await plan(db, { name: 'Fiber 200', price: '200', taxRateId: vat!.id }),
    await plan(db, { name: 'Fiber 39.99', price: '39.99' }),
    await plan(db, { name: 'IP', type: 'recurring', price: '5' }),
  ]
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = await customer(db, partner, {
      billingDay: [1, 10, 20][i % 3]!,
      type: i % 4 === 0 ? 'recurring_prepaid' : undefined,
      periodsAhead: 1 + (i % 3),
    })
    await service(db, c, plans[i % 2]!, {
      start: `2026-0${1 + (i % 3)}-${String(1 + (i % 27)).padStart(2, '0')}`,
      quantity: i % 5 === 0 ? '2' : '1',
    })
    if (i % 3 === 0) await service(db, c, plans[2]!, { start: '2026-02-13', discount: '10' })
  }
}

async function invoicesOf(db: Db) {
  return rows(
    db,
    sql`select v.number, v.customer_id, v.total::text, v.tax::text, v.period_start::text, v.period_end::text,
          json_agg(json_build_array(i.position, i.description, i.amount::text, i.period_start::text, i.period_end::text, i.charge_key) order by i.position) as lines
        from invoices v join invoice_items i on i.invoice_id = v.id group by v.id order by v.number`,
  )
}

async function previewed(db: Db, clock: ManualClock) {
  const run = await createRun(db, clock, admin, { runDate: '2026-04-01' })
  await workRuns({ db, clock, batchSize: BATCH })
  return confirmRun(db, clock, admin, run.id)
}

t.test('kill the commit at a random point, resume, compare with an uninterrupted run', async (t) => {
  const clock = new ManualClock(NOW)
  const killed = await testDatabase()
  const straight = await testDatabase()
  t.teardown(async () => {
    await killed.close()
    await straight.close()
  })
  await world(killed.db)
  await world(straight.db)
  const runA = await previewed(killed.db, clock)
  const runB = await previewed(straight.db, clock)
  t.equal(runA.customers, runB.customers)
  const batches = Math.ceil(runA.customers / BATCH)
  const killAfter = 1 + Math.floor(Math.random() * (batches - 2))
  const extraMs = Math.floor(Math.random() * 40)
  t.comment(
    `${runA.customers} customers in ${batches} batches; killing after batch ${killAfter} + ${extraMs} ms`,
  )

  const child = fork(new URL('./commit-child.ts', import.meta.url).pathname, [], {
    execArgv: ['--import=tsx'],
    env: {
      ...process.env,
      CHILD_DB_URL: killed.url,
      CHILD_NOW: NOW,
      CHILD_RUN_ID: String(runA.id),
      CHILD_BATCH: String(BATCH),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  await new Promise<void>((resolve) => {
    child.on('message', (m: { batch?: number; finished?: boolean }) => {
      if (m.batch === killAfter)
        setTimeout(() => {
          child.kill('SIGKILL')
          resolve()
        }, extraMs)
      if (m.finished) resolve()
    })
  })
  if (child.exitCode === null) await once(child, 'exit')
  t.equal(child.signalCode, 'SIGKILL', 'the child was killed')

  const [mid] = await rows<{ pending: number; invoiced: number }>(
    killed.db,
    sql`select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'invoiced')::int as invoiced
        from billing_run_items where run_id = ${runA.id}`,
  )
  t.ok(mid!.pending > 0, `killed half-way: ${mid!.invoiced} invoiced, ${mid!.pending} pending`)
  t.equal(
    (await getRun(killed.db, admin, runA.id)).status,
    'committing',
    'the run stays committing and is picked up again',
  )

  await workRuns({ db: killed.db, clock, batchSize: BATCH })
  await workRuns({ db: straight.db, clock, batchSize: BATCH })
  const a = await getRun(killed.db, admin, runA.id)
  const b = await getRun(straight.db, admin, runB.id)
  t.equal(a.status, 'committed')
  t.same([a.invoices, a.total], [b.invoices, b.total], 'same run totals')
  const invA = await invoicesOf(killed.db)
  const invB = await invoicesOf(straight.db)
  t.equal(invA.length, runA.customers, 'one invoice per previewed customer')
  t.same(invA, invB, 'same invoices: numbers, customers, totals, lines')
  const [counter] = await rows<{ last: number }>(
    killed.db,
    sql`select max(last_value)::int as last from document_counters where series = 'invoice'`,
  )
  t.equal(counter!.last, invA.length, 'the counter gave out exactly as many numbers as invoices: no gap')
})
