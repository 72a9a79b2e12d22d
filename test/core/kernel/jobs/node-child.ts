// One "server node" for two-nodes.test.ts: the real app with the example plugin on a shared
// PostgreSQL database, its scheduler driven by fake timers on the parent's command.
import FakeTimers from '@sinonjs/fake-timers'
import { loadConfig } from '../../../../config/index.ts'
import { buildApp } from '../../../../core/app.ts'
import type { RunOutcome } from '../../../../core/kernel/jobs/scheduler.ts'
import { connect } from '../../../../db/client.ts'
import example from '../../../fixtures/plugins/example/index.ts'
import { TEST_INSTANCE_KEY } from '../../../helpers/app.ts'

const url = process.env.NODE_DB_URL!
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  INSTANCE_KEY: TEST_INSTANCE_KEY,
  DATA_DIR: '/nonexistent',
  PLUGINS: '',
  DATABASE_URL: url,
})
const database = connect(url, { max: 4 })
const app = await buildApp({ config, database, plugins: [example] })
await app.ready()
const timers = FakeTimers.install({
  now: Date.parse(process.env.NODE_START!),
  toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
})
await app.scheduler.start()

const send = (m: unknown) => process.send!(m)
process.on('message', async (msg: { tick?: number; stop?: boolean }) => {
  if (msg.tick) {
    const done = new Promise<RunOutcome>((resolve) => {
      const on = (o: RunOutcome) => {
        if (o.job !== 'example:tick') return
        app.scheduler.off('finished', on)
        resolve(o)
      }
      app.scheduler.on('finished', on)
    })
    await timers.tickAsync(msg.tick)
    const outcome = await done
    send({ status: outcome.status, runId: outcome.runId?.toString() ?? null })
  }
  if (msg.stop) {
    await app.scheduler.stop()
    await timers.runToLastAsync()
    timers.uninstall()
    await app.close()
    await database.close()
    send({ stopped: true })
    process.exit(0)
  }
})
send({ ready: app.scheduler.node })
