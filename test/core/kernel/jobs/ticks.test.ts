import FakeTimers from '@sinonjs/fake-timers'
import t from 'tap'
import { Scheduler, type RunOutcome } from '../../../../core/kernel/jobs/scheduler.ts'
import example from '../../../fixtures/plugins/example/index.ts'
import { testApp } from '../../../helpers/app.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

t.test('scheduled ticks: two schedulers firing the same tick run the job once', async (t) => {
  const ctx = await testApp({ plugins: [example] })
  t.teardown(ctx.close)
  const { app } = ctx
  const second = new Scheduler(app.ctx, app.host.jobs(), { node: 'second-node' })
  const timers = FakeTimers.install({
    now: Date.parse('2026-01-15T10:00:30Z'),
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  })
  let uninstalled = false
  const restore = () => {
    if (!uninstalled) timers.uninstall()
    uninstalled = true
  }
  t.teardown(restore)
  await app.scheduler.start()
  await second.start()

  const outcomesOf = (n: number) =>
    new Promise<RunOutcome[]>((resolve) => {
      const got: RunOutcome[] = []
      const onFinished = (o: RunOutcome) => {
        if (o.job !== 'example:tick') return
        got.push(o)
        if (got.length === n) {
          app.scheduler.off('finished', onFinished)
          second.off('finished', onFinished)
          resolve(got)
        }
      }
      app.scheduler.on('finished', onFinished)
      second.on('finished', onFinished)
    })

  for (let tick = 1; tick <= 2; tick++) {
    const both = outcomesOf(2)
    await timers.tickAsync(60_000)
    const outcomes = await both
    t.same(outcomes.map((o) => o.status).sort(), ['skipped', 'succeeded'], `tick ${tick}: one run, one skip`)
  }
  // Stop while time is still fake, then flush timers others set meanwhile, so none is lost.
  await second.stop()
  await app.scheduler.stop()
  await timers.runToLastAsync()
  restore()

  const runs = await ctx.database.sql<
    { status: string; slot: Date; trigger: string; message: string | null }[]
  >`
    select status, slot, trigger, message from job_runs where job = 'example:tick' order by id`
  const real = runs.filter((r) => r.status === 'succeeded')
  t.same(
    real.map((r) => new Date(r.slot).toISOString()),
    ['2026-01-15T10:01:00.000Z', '2026-01-15T10:02:00.000Z'],
    'each tick ran once, keyed by its slot',
  )
  t.ok(real.every((r) => r.trigger === 'schedule'))
  t.ok(
    runs.filter((r) => r.status === 'skipped').every((r) => /already ran|another node/.test(r.message ?? '')),
  )
  const [rows] = await ctx.database
    .sql`select count(*)::int as n from outbox_events where type = 'example.ticked'`
  t.equal(rows!.n, 2, 'the job wrote one row per tick')
  t.same(
    app.scheduler
      .jobs()
      .filter((j) => j.plugin === 'example')
      .map((j) => [j.name, j.schedule]),
    [
      ['example:tick', 'every minute'],
      ['example:broken', 'cron 0 3 * * *'],
    ],
  )
})
