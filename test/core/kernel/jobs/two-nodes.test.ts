import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { testDatabase } from '../../../helpers/db.ts'

// Worker threads and app boots are slow on a busy machine; allow more than the default 120 s.
t.setTimeout(600_000)

const reason = process.env.DATABASE_URL
  ? false
  : 'needs DATABASE_URL: the embedded database refuses a second process by design'

t.test(
  'two server processes on one PostgreSQL database run each scheduled tick once',
  { skip: reason },
  async (t) => {
    const database = await testDatabase()
    t.teardown(() => database.close())
    const start = '2026-01-15T10:00:30.000Z'
    const nodes: ChildProcess[] = []
    for (const name of ['a', 'b']) {
      const child = fork(new URL('./node-child.ts', import.meta.url).pathname, [], {
        execArgv: ['--import=tsx'],
        env: { ...process.env, NODE_DB_URL: database.url, NODE_START: start, NODE_NAME: name },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      nodes.push(child)
      t.teardown(() => {
        if (child.exitCode === null) child.kill()
      })
    }
    const next = (child: ChildProcess) => once(child, 'message').then(([m]) => m as Record<string, unknown>)
    const ready = await Promise.all(nodes.map(next))
    t.not(ready[0]!.ready, ready[1]!.ready, 'two nodes with their own names')

    const ticks = 3
    for (let i = 1; i <= ticks; i++) {
      // Both processes reach the same tick at the same moment and race for it.
      const replies = Promise.all(nodes.map(next))
      for (const child of nodes) child.send({ tick: 60_000 })
      const outcomes = await replies
      t.same(
        outcomes.map((o) => o.status).sort(),
        ['skipped', 'succeeded'],
        `tick ${i}: one process ran it, the other skipped`,
      )
    }
    const stopped = Promise.all(nodes.map(next))
    for (const child of nodes) child.send({ stop: true })
    await stopped

    const runs = await database.sql<{ status: string; slot: string; node: string }[]>`
    select status, slot, node from job_runs where job = 'example:tick' order by id`
    const real = runs.filter((r) => r.status === 'succeeded')
    t.same(
      real.map((r) => new Date(r.slot).toISOString()),
      ['2026-01-15T10:01:00.000Z', '2026-01-15T10:02:00.000Z', '2026-01-15T10:03:00.000Z'],
      'one real run per tick',
    )
    t.equal(runs.filter((r) => r.status === 'skipped').length, ticks, 'the loser recorded a skip each time')
    const [rows] =
      await database.sql`select count(*)::int as n from outbox_events where type = 'example.ticked'`
    t.equal(rows!.n, ticks, 'the job inserted exactly one row per tick')
  },
)
