// npm run bench:panel -- --customers 100000 [--duration 10] [--connections 32] [--pool 10] [--profile file.cpuprofile] [--reuse]
// Customer list/search latency under load on real PostgreSQL: its own database (uplink_bench_panel,
// dropped and recreated), N customers from the load generator, the real app listening on a port, and
// autocannon (in a worker thread, off the server's event loop) cycling through realistic search terms.
// Then the same load on a trivial route of the same app for comparison. Last line: one JSON object.
import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import { loadConfig } from '../../config/index.ts'
import { buildApp } from '../../core/app.ts'
import { hashPassword } from '../../core/admins/passwords.ts'
import { roleByBuiltin } from '../../core/admins/roles.ts'
import { admins } from '../../core/admins/schema.ts'
import { createApiKey } from '../../core/api/keys.ts'
import { SYSTEM_ACTOR } from '../../core/audit/service.ts'
import { arg, benchDatabase, freshBenchDatabase, procCpuUs, startProfile } from './common.ts'
import { connect } from '../../db/client.ts'
import { loadCustomers } from '../loadgen.ts'
import { TERMS } from './panel-terms.ts'

const DB_NAME = 'uplink_bench_panel'


const percentile = (result: autocannon.Result, p: 'p90' | 'p97_5' | 'p99') => result.latency[p]

async function run(url: string, paths: string[], headers: Record<string, string>, connections: number, duration: number) {
  const result = await autocannon({
    url,
    connections,
    duration,
    workers: 1,
    headers,
    requests: paths.map((path) => ({ method: 'GET' as const, path })),
  })
  return result
}

/** CPU time of the main thread, which is the server's (autocannon runs in a worker thread), in µs; Linux only. */
function threadCpu(): { user: number; system: number } {
  return procCpuUs(`/proc/self/task/${process.pid}/stat`) ?? { user: 0, system: 0 }
}

/** The server thread's CPU per request since `before`. */
function cpuPer(before: { user: number; system: number }, result: autocannon.Result): string {
  const now = threadCpu()
  const n = Math.max(result.requests.total, 1)
  return `${Math.round((now.user - before.user) / n)} µs user + ${Math.round((now.system - before.system) / n)} µs kernel a request`
}

/** p95 from autocannon's histogram percentiles (it reports p90 and p97.5): the linear interpolation between them. */
function p95(result: autocannon.Result): number {
  const p90 = percentile(result, 'p90')
  const p975 = percentile(result, 'p97_5')
  return +(p90 + ((p975 - p90) * (95 - 90)) / (97.5 - 90)).toFixed(1)
}

async function main(): Promise<void> {
  const count = arg('customers', 100_000)
  const duration = arg('duration', 10)
  const connections = arg('connections', 32)
  // --reuse: the database of an earlier run, migrated, when it holds as many customers (for quick re-runs).
  const reused = process.argv.includes('--reuse') ? await benchDatabase(DB_NAME, 'panel') : null
  const url = reused ?? (await freshBenchDatabase(DB_NAME, 'panel'))
  const database = connect(url, { max: arg('pool', 10) })
  const held = reused ? Number((await database.sql`select count(*)::int as n from customers`)[0]!.n) : 0
  if (held === count) {
    console.log(`reusing ${DB_NAME} with ${count.toLocaleString('en')} customers`)
  } else {
    if (reused) await database.sql.unsafe('truncate customers cascade')
    const started = performance.now()
    await loadCustomers(database.sql, count, {
      seed: 42,
      onProgress: (done, total) => process.stdout.write(`\rloading customers: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`),
    })
    console.log(`\nloaded ${count.toLocaleString('en')} customers in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }

  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    INSTANCE_KEY: randomBytes(24).toString('base64url'),
    PLUGINS: '',
  })
  const app = await buildApp({ config, database, plugins: [] })
  await app.ready()
  const role = await roleByBuiltin(database.db, 'super_admin')
  const [bencher] = await database.db
    .insert(admins)
    .values({ login: 'bench', name: 'Benchmark', passwordHash: await hashPassword(randomBytes(12).toString('hex')), roleId: role.id })
    .onConflictDoUpdate({ target: admins.login, set: { roleId: role.id } })
    .returning({ id: admins.id })
  const { key } = await createApiKey(database.db, bencher!.id, { name: 'bench', permissions: ['customers.view'] }, { actor: SYSTEM_ACTOR, at: new Date() })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' }

  const probe = await fetch(`${address}/api/v1/customers?q=kowal`, { headers })
  const body = (await probe.json()) as { items: unknown[]; total: number }
  console.log(`probe: GET /api/v1/customers?q=kowal -> ${probe.status}, ${body.items?.length} rows of ${body.total}`)

  // Each connection walks the term list from its own place; the panel's default page size and sort.
  const listPaths = TERMS.map((t) => `/api/v1/customers?q=${encodeURIComponent(t)}&limit=25`)
  console.log('warming up (3 s)')
  await run(address, listPaths, headers, connections, 3)
  console.log(`customer search: ${connections} connections, ${duration} s, ${TERMS.length} terms`)
  const profiler = await startProfile()
  const cpuBefore = threadCpu()
  const list = await run(address, listPaths, headers, connections, duration)
  await profiler?.stop()
  const listErrors = list.non2xx + list.errors + list.timeouts
  console.log(
    `  ${Math.round(list.requests.average)} req/s, latency p50 ${list.latency.p50} ms, p95 ~${p95(list)} ms, p99 ${list.latency.p99} ms, max ${list.latency.max} ms, errors ${listErrors}, server CPU ${cpuPer(cpuBefore, list)}`,
  )
  console.log(`trivial route GET /health: ${connections} connections, ${duration} s`)
  let before = threadCpu()
  const trivial = await run(address, ['/health'], {}, connections, duration)
  console.log(`  ${Math.round(trivial.requests.average)} req/s, latency p50 ${trivial.latency.p50} ms, p95 ~${p95(trivial)} ms, server CPU ${cpuPer(before, trivial)}`)
  console.log(`authenticated trivial route GET /api/v1/me: ${connections} connections, ${duration} s`)
  before = threadCpu()
  const me = await run(address, ['/api/v1/me'], headers, connections, duration)
  console.log(`  ${Math.round(me.requests.average)} req/s, latency p50 ${me.latency.p50} ms, p95 ~${p95(me)} ms, server CPU ${cpuPer(before, me)}`)

  // Let autocannon's worker drop its sockets before the pool closes under any late request.
  await new Promise((r) => setTimeout(r, 500))
  app.log.level = 'silent'
  await app.close()
  await database.close()
  console.log(
    JSON.stringify({
      bench: 'panel',
      customers: count,
      connections,
      p95_ms: p95(list),
      p50_ms: list.latency.p50,
      p99_ms: list.latency.p99,
      rps: Math.round(list.requests.average),
      errors: listErrors,
      trivial_rps: Math.round(trivial.requests.average),
      auth_trivial_rps: Math.round(me.requests.average),
    }),
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
