/**
 * Uplink's RADIUS server for bench:radius, in its own process (plugins/radius/standalone.ts on the bench
 * database). Environment: DATABASE_URL, INSTANCE_KEY, RADIUS_AUTH_PORT, RADIUS_ACCT_PORT, and
 * RADIUS_PROFILE_DIR to allow CPU profiles of single phases: {type: 'profile-start'} starts V8's
 * profiler, {type: 'profile-stop', name} writes <dir>/<name>.cpuprofile and answers {type: 'profiled'}.
 * Sends {type: 'ready', subscribers} once listening; on SIGTERM sends {type: 'stats', ...} and exits.
 * {type: 'cpu'} is answered with {type: 'cpu', usage: process.cpuUsage(), received: datagrams so far}.
 * RADIUS_ACCT_LANES sets the accounting store's lanes (default 2).
 * RADIUS_LOOP_TRACE=1 prints the longest event-loop delay and GC pause of every second on stderr.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { connect } from '../../../db/client.ts'
import { startRadius } from '../../../plugins/radius/standalone.ts'

/** Once a second on stderr: the longest event-loop delay and garbage-collection pause of that second. */
function traceEventLoop(): void {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  let gcMax = 0
  let gcKind = 0
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration > gcMax) {
        gcMax = entry.duration
        gcKind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0
      }
    }
  }).observe({ entryTypes: ['gc'] })
  setInterval(() => {
    console.error(
      `loop: max delay ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; gc max ${gcMax.toFixed(1)} ms (kind ${gcKind})`,
    )
    delay.reset()
    gcMax = 0
  }, 1000).unref()
}

async function main(): Promise<void> {
  const database = connect(process.env.DATABASE_URL!, { max: 8 })
  let errors = 0
  const started = performance.now()
  const radius = await startRadius({
    sql: database.sql,
    instanceKey: process.env.INSTANCE_KEY!,
    authPort: Number(process.env.RADIUS_AUTH_PORT),
    acctPort: Number(process.env.RADIUS_ACCT_PORT),
    accountingLanes: process.env.RADIUS_ACCT_LANES ? Number(process.env.RADIUS_ACCT_LANES) : undefined,
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
  if (process.env.RADIUS_LOOP_TRACE) traceEventLoop()
  // CPU time of this process and datagrams received so far: the parent takes the difference over a phase.
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu')
      process.send!({ type: 'cpu', usage: process.cpuUsage(), received: radius.counters().received })
  })
  // The benchmark died without stopping us: do not keep the ports.
  process.once('disconnect', () => process.exit(1))
  process.send!({ type: 'ready', subscribers: radius.subscribers(), loadSeconds })
  process.once('SIGTERM', () => {
    void (async () => {
      process.send!({
        type: 'stats',
        counters: radius.counters(),
        accounting: radius.accountingStats(),
        errors,
      })
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
