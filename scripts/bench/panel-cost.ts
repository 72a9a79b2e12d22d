// npm run bench:panel-cost -- [--requests 2000] [--profile file.cpuprofile]
// CPU cost of one request, split between the server's thread and PostgreSQL: the panel bench's database
// (run bench:panel first), one pool connection (so one backend whose CPU time /proc tells), requests one
// at a time through app.inject (no sockets). CPU time, not latency: it holds on a busy machine too,
// which makes it the number to compare before and after a change on the request path.
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../../config/index.ts'
import { buildApp } from '../../core/app.ts'
import { admins } from '../../core/admins/schema.ts'
import { createApiKey } from '../../core/api/keys.ts'
import { SYSTEM_ACTOR } from '../../core/audit/service.ts'
import { connect } from '../../db/client.ts'
import { arg, procCpuUs, startProfile } from './common.ts'
import { TERMS } from './panel-terms.ts'

function backendCpuUs(pid: number): number {
  const cpu = procCpuUs(`/proc/${pid}/stat`)
  if (!cpu) throw new Error(`no /proc/${pid}/stat: run the bench on the database server's machine (Linux)`)
  return cpu.user + cpu.system
}

async function main(): Promise<void> {
  const requests = arg('requests', 2000)
  const base = process.env.DATABASE_URL
  if (!base) throw new Error('bench:panel-cost needs DATABASE_URL')
  const target = new URL(base)
  target.pathname = '/uplink_bench_panel'
  const database = connect(target.toString(), { max: 1 })
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: target.toString(),
    LOG_LEVEL: 'warn',
    INSTANCE_KEY: randomBytes(24).toString('base64url'),
    PLUGINS: '',
  })
  const app = await buildApp({ config, database, plugins: [] })
  await app.ready()
  const [bencher] = await database.db.select({ id: admins.id }).from(admins).limit(1)
  if (!bencher) throw new Error('no admin in uplink_bench_panel: run npm run bench:panel first')
  const { key } = await createApiKey(database.db, bencher.id, { name: 'cost', permissions: ['customers.view'] }, { actor: SYSTEM_ACTOR, at: new Date() })
  const [{ pid }] = (await database.sql`select pg_backend_pid() as pid`) as unknown as [{ pid: number }]
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' }
  const routes: [string, (i: number) => string, Record<string, string>][] = [
    ['GET /health', () => '/health', {}],
    ['GET /api/v1/me', () => '/api/v1/me', headers],
    ['GET /api/v1/customers?q=', (i) => `/api/v1/customers?q=${encodeURIComponent(TERMS[i % TERMS.length]!)}&limit=25`, headers],
  ]
  // What the server's threads and the backend spend with no request at all (timers, pollers), per second.
  const idle0 = process.cpuUsage()
  const idlePg0 = backendCpuUs(pid)
  const idleStart = performance.now()
  await new Promise((r) => setTimeout(r, 3000))
  const idleSeconds = (performance.now() - idleStart) / 1000
  const idleCpu = process.cpuUsage(idle0)
  const idleNodeRate = (idleCpu.user + idleCpu.system) / idleSeconds
  const idlePgRate = (backendCpuUs(pid) - idlePg0) / idleSeconds
  console.log(`idle: server ${Math.round(idleNodeRate / 1000)} ms/s, PostgreSQL backend ${Math.round(idlePgRate / 1000)} ms/s (subtracted below)`)
  const out: Record<string, { node_us: number; node_sys_us: number; pg_us: number }> = {}
  for (const [name, path, h] of routes) {
    for (let i = 0; i < 200; i++) await app.inject({ url: path(i), headers: h })
    const profiler = name.includes('customers') ? await startProfile() : null
    const pg0 = backendCpuUs(pid)
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    for (let i = 0; i < requests; i++) {
      const res = await app.inject({ url: path(i), headers: h })
      if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body}`)
    }
    const cpu = process.cpuUsage(cpu0)
    await profiler?.stop()
    const elapsed = (performance.now() - start) / 1000
    const node = cpu.user + cpu.system - idleNodeRate * elapsed
    const pg = backendCpuUs(pid) - pg0 - idlePgRate * elapsed
    out[name] = { node_us: Math.round(node / requests), node_sys_us: Math.round(cpu.system / requests), pg_us: Math.round(pg / requests) }
    console.log(
      `${name.padEnd(28)} server ${out[name].node_us} µs (${out[name].node_sys_us} in the kernel), PostgreSQL ${out[name].pg_us} µs per request`,
    )
  }
  await app.close()
  await database.close()
  console.log(JSON.stringify({ bench: 'panel-cost', requests, ...out }))
}

await main()
