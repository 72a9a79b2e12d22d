import postgres from 'postgres'
import t from 'tap'
import { jobLockKey } from '../../../../core/kernel/jobs/lock.ts'
import { getRun } from '../../../../core/kernel/jobs/runs.ts'
import example from '../../../fixtures/plugins/example/index.ts'
import { testApp } from '../../../helpers/app.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

const embedded = !process.env.DATABASE_URL

// One app for the file: booting is the slow part.
const ctx = await testApp({ plugins: [example] })

t.test(
  'a job whose lock another node holds is skipped',
  { skip: embedded && 'embedded PostgreSQL has one session: advisory locks cannot conflict there' },
  async (t) => {
    const other = postgres(ctx.database.url, { max: 1, onnotice: () => {} })
    t.teardown(() => other.end())
    const reserved = await other.reserve()
    const [lock] = await reserved`select pg_try_advisory_lock(${jobLockKey('example:tick')}::bigint) as ok`
    t.ok(lock!.ok)
    const outcome = await ctx.app.scheduler.run('example:tick')
    t.equal(outcome.status, 'skipped')
    const run = await getRun(ctx.app.ctx.db, outcome.runId!)
    t.equal(run?.status, 'skipped')
    t.match(run?.message, /another node is running this job/)
    const [n] = await ctx.database
      .sql`select count(*)::int as n from outbox_events where type = 'example.ticked'`
    t.equal(n!.n, 0, 'the job body did not run')
    await reserved`select pg_advisory_unlock(${jobLockKey('example:tick')}::bigint)`
    reserved.release()
    t.equal(
      (await ctx.app.scheduler.run('example:tick')).status,
      'succeeded',
      'once the lock is free it runs',
    )
  },
)

t.test('unknown and already-running jobs are refused', async (t) => {
  await t.rejects(ctx.app.scheduler.run('example:nope'), { name: 'NotFoundError' })
  const first = ctx.app.scheduler.run('example:tick')
  await t.rejects(ctx.app.scheduler.run('example:tick'), { name: 'ConflictError' })
  const outcome = await first
  t.equal(outcome.status, 'succeeded', outcome.error ?? '')
})

// Last, not in a root teardown: the app's listeners keep the process alive, so the root test would never end.
t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
