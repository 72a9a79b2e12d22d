// npm run bench:panel -- --customers 100000 [--duration 10] [--connections 32] [--pool 10] [--profile file.cpuprofile] [--reuse] [--loader wrk|autocannon]
// Customer list/search latency under load on real PostgreSQL: its own database (uplink_bench_panel,
// dropped and recreated), N customers from the load generator, the real app listening on a port, and
// wrk (or autocannon in a worker thread, off the server's event loop) cycling through realistic search terms.
// Then the same load on a trivial route of the same app for comparison. Last line: one JSON object.
import { randomBytes } from 'node:crypto'
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
import { chooseLoader, load, type LoadResult } from './http-load.ts'
import { TERMS } from './panel-terms.ts'

const DB_NAME = 'uplink_bench_panel'

/** CPU time of the main thread, which is the server's (the load comes from wrk or autocannon's worker thread), in µs; Linux only. */
function threadCpu(): { user: number; system: number } {
  return procCpuUs(`/proc/self/task/${process.pid}/stat`) ?? { user: 0, system: 0 }
}

/** The server thread's CPU per request since `before`. */
function cpuPer(before: { user: number; system: number }, result: LoadResult): string {
  const now = threadCpu()
  const n = Math.max(result.requests, 1)
  return `${Math.round((now.user - before.user) / n)} µs user + ${Math.round((now.system - before.system) / n)} µs kernel a request`
}

async function main(): Promise<void> {
  const count = arg('customers', 100_000)
  const duration = arg('duration', 10)
  const connections = arg('connections', 32)
  const loader = chooseLoader()
  const run = (
    url: string,
    paths: string[],
    headers: Record<string, string>,
    connections: number,
    seconds: number,
  ) => load(loader, { url, paths, headers, connections, duration: seconds })
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
      onProgress: (done, total) =>
        process.stdout.write(
          `\rloading customers: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`,
        ),
    })
    console.log(
      `\nloaded ${count.toLocaleString('en')} customers in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
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
    .values({
      login: 'bench',
      name: 'Benchmark',
      passwordHash: await hashPassword(randomBytes(12).toString('hex')),
      roleId: role.id,
    })
    .onConflictDoUpdate({ target: admins.login, set: { roleId: role.id } })
    .returning({ id: admins.id })
  const { key } = await createApiKey(
    database.db,
    bencher!.id,
    { name: 'bench', permissions: ['customers.view'] },
    { actor: SYSTEM_ACTOR, at: new Date() },
  )
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' }

  const probe = await fetch(`${address}/api/v1/customers?q=kowal`, { headers })
  const body = (await probe.json()) as { items: unknown[]; total: number }
  console.log(
    `probe: GET /api/v1/customers?q=kowal -> ${probe.status}, ${body.items?.length} rows of ${body.total}`,
  )

  // Each connection walks the term list from its own place; the panel's default page size and sort.
  const listPaths = TERMS.map((t) => `/api/v1/customers?q=${encodeURIComponent(t)}&limit=25`)
  console.log('warming up (3 s)')
  await run(address, listPaths, headers, connections, 3)
  console.log(
    `customer search: ${connections} connections, ${duration} s, ${TERMS.length} terms, load from ${loader}`,
  )
  const profiler = await startProfile()
  const cpuBefore = threadCpu()
  const list = await run(address, listPaths, headers, connections, duration)
  await profiler?.stop()
  console.log(
    `  ${list.rps} req/s, latency p50 ${list.p50} ms, p95 ${list.p95} ms, p99 ${list.p99} ms, max ${list.max} ms, errors ${list.errors}, server CPU ${cpuPer(cpuBefore, list)}`,
  )
  console.log(`trivial route GET /health: ${connections} connections, ${duration} s`)
  let before = threadCpu()
  const trivial = await run(address, ['/health'], {}, connections, duration)
  console.log(
    `  ${trivial.rps} req/s, latency p50 ${trivial.p50} ms, p95 ${trivial.p95} ms, server CPU ${cpuPer(before, trivial)}`,
  )
  console.log(`authenticated trivial route GET /api/v1/me: ${connections} connections, ${duration} s`)
  before = threadCpu()
  const me = await run(address, ['/api/v1/me'], headers, connections, duration)
  console.log(
    `  ${me.rps} req/s, latency p50 ${me.p50} ms, p95 ${me.p95} ms, server CPU ${cpuPer(before, me)}`,
  )

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
      loader,
      p95_ms: list.p95,
      p50_ms: list.p50,
      p99_ms: list.p99,
      rps: list.rps,
      errors: list.errors,
      trivial_rps: trivial.rps,
      auth_trivial_rps: me.rps,
    }),
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
