import t from 'tap'
import { getRun } from '../../../../core/kernel/jobs/runs.ts'
import example from '../../../fixtures/plugins/example/index.ts'
import { testApp } from '../../../helpers/app.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

// One app for the file: booting is the slow part.
const ctx = await testApp({ plugins: [example] })
const { app } = ctx

t.test('a job runs in a worker thread and records progress and result', async (t) => {
  await ctx.database
    .sql`insert into settings (key, value) values ('plugin:example', ${JSON.stringify({ greeting: 'Ahoy' })}::jsonb)`

  const updates: string[] = []
  app.scheduler.on('update', (u: { status: string; progress: number }) =>
    updates.push(`${u.status}:${u.progress}`),
  )
  const outcome = await app.scheduler.run('example:tick')
  t.equal(outcome.status, 'succeeded')
  const run = await getRun(app.ctx.db, outcome.runId!)
  t.equal(run?.status, 'succeeded')
  t.equal(run?.trigger, 'manual')
  t.equal(run?.slot, null, 'manual runs belong to no tick')
  t.equal(run?.progress, 100)
  t.equal(run?.message, 'emitted', 'the last progress message is kept')
  t.ok(run!.durationMs! >= 0 && run!.finishedAt, 'duration and finish time recorded')
  t.equal(run?.node, app.scheduler.node)
  // The worker's clock is the app's (manual) clock, and its settings are the stored ones with defaults.
  const result = run!.result as { greeting: string; at: string }
  t.equal(result.greeting, 'Ahoy', 'the job read the stored settings')
  t.ok(result.at.startsWith('2026-01-15T10:00'), 'the worker used the app clock')
  t.same(updates.slice(0, 3), ['running:0', 'running:50', 'running:90'], 'progress is reported live')
  t.equal(updates.at(-1), 'succeeded:100')

  // The job wrote its row through its own connection, committed.
  const events = await ctx.database.sql<{ payload: Record<string, unknown> }[]>`
    select payload from outbox_events where type = 'example.ticked'`
  t.equal(events.length, 1)
  t.same(events[0]!.payload, {
    greeting: 'Ahoy',
    slot: null,
    trigger: 'manual',
    runId: outcome.runId!.toString(),
  })
})

t.test('a failing job is recorded as failed with its error', async (t) => {
  const outcome = await ctx.app.scheduler.run('example:broken')
  t.equal(outcome.status, 'failed')
  const run = await getRun(ctx.app.ctx.db, outcome.runId!)
  t.equal(run?.status, 'failed')
  t.match(run?.error, /StateError: the example job always fails/)
  t.equal(run?.progress, 30, 'progress reached before the failure is kept')
  t.equal(run?.message, 'about to fail')
  t.ok(run?.finishedAt)
})

// Last, not in a root teardown: the app's listeners keep the process alive, so the root test would never end.
t.test('the app closes cleanly', async (t) => {
  await ctx.close()
  t.pass('closed')
})
