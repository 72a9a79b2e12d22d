/**
 * Uplink's RADIUS server for bench:radius, in its own process (plugins/radius/standalone.ts on the bench
 * database). Environment: DATABASE_URL, INSTANCE_KEY, RADIUS_AUTH_PORT, RADIUS_ACCT_PORT, and
 * RADIUS_PROFILE_DIR to allow CPU profiles of single phases: {type: 'profile-start'} starts V8's
 * profiler, {type: 'profile-stop', name} writes <dir>/<name>.cpuprofile and answers {type: 'profiled'}.
 * Sends {type: 'ready', subscribers} once listening; on SIGTERM sends {type: 'stats', ...} and exits.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { connect } from '../../../db/client.ts'
import { startRadius } from '../../../plugins/radius/standalone.ts'

async function main(): Promise<void> {
  const database = connect(process.env.DATABASE_URL!, { max: 8 })
  let errors = 0
  const started = performance.now()
  const radius = await startRadius({
    sql: database.sql,
    instanceKey: process.env.INSTANCE_KEY!,
    authPort: Number(process.env.RADIUS_AUTH_PORT),
    acctPort: Number(process.env.RADIUS_ACCT_PORT),
    onError: (error, context) => {
      if (errors++ < 5) console.error('uplink radius error', context, error)
    },
  })
  const loadSeconds = +((performance.now() - started) / 1000).toFixed(2)
  const profileDir = process.env.RADIUS_PROFILE_DIR
  if (profileDir) {
    const session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
    process.on('message', (message: { type: string; name?: string }) => {
      if (message.type === 'profile-start') void session.post('Profiler.start')
      else if (message.type === 'profile-stop')
        void session.post('Profiler.stop').then(({ profile }) => {
          writeFileSync(join(profileDir, `${message.name}.cpuprofile`), JSON.stringify(profile))
          process.send!({ type: 'profiled' })
        })
    })
  }
  // The benchmark died without stopping us: do not keep the ports.
  process.once('disconnect', () => process.exit(1))
  process.send!({ type: 'ready', subscribers: radius.subscribers(), loadSeconds })
  process.once('SIGTERM', () => {
    void (async () => {
      process.send!({ type: 'stats', counters: radius.counters(), accounting: radius.accountingStats(), errors })
      await radius.close()
      await database.close()
      process.exit(0)
    })()
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
