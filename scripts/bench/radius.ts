// npm run bench:radius -- --subscribers 100000 [--duration 10] [--warmup 3] [--window 64] [--rate 10000]
//                         [--acct-sessions 20000] [--freeradius-threads 16] [--wrong 0.1]
//                         [--panel] [--panel-auth-rate 1000] [--cpu-prof <dir>] [--only uplink|freeradius]
//                         [--server-flags "<node flags>"] [--generator-flags "<node flags>"] [--acct-lanes 2]
// Uplink's RADIUS server against FreeRADIUS 3 + rlm_sql on the same PostgreSQL, in the same run, with
// the same load generator (scripts/bench/radius/load-generator.ts, its own process): N subscribers in
// Uplink's tables (customers, plans, services) and the same N in FreeRADIUS's radcheck/radreply.
// 1. Throughput (auth_rps): PAP Access-Requests for random subscribers (10 % wrong passwords),
//    `window` in flight, for `duration` seconds after a warm-up.
// 2. Latency (auth_p99_ms, Uplink): Access-Requests at a steady `rate` per second, sent on schedule
//    whatever the replies, so the figure is the latency at that load and not a queue the generator built.
// 3. Accounting (acct_rps): Start, Interim-Update and Stop for `acct-sessions` sessions, `window` in
//    flight, each acknowledged by the server only after it committed.
// With --panel, Uplink's auth latency is measured once more at `panel-auth-rate` while autocannon
// searches customers in the panel (the real app, its own process, same database) and the daily billing
// runs of the month are previewed and committed one after another (scripts/bench/radius/billing-load.ts).
// With --cpu-prof <dir>, Uplink's server writes one V8 CPU profile per phase into <dir>.
// auth_cpu_us / acct_cpu_us: Uplink's server CPU time per datagram in the closed-loop auth run and over
// the accounting phases, a figure that other work on the machine does not inflate the way it does rates.
// --server-flags: Node/V8 flags of Uplink's server process, by default the plugin's RADIUS_NODE_FLAGS
// (plugins/radius/node-flags.ts, what a deployment should start the server with); "" runs without.
// Last line: one JSON object.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import postgres from 'postgres'
import { connect } from '../../db/client.ts'
import { RADIUS_NODE_FLAGS } from '../../plugins/radius/node-flags.ts'
import { runMigrations } from '../../db/migrate.ts'
import { startChild } from './radius/children.ts'
import { ensureFreeradius, prepareFreeradiusDatabase, startFreeradius } from './radius/freeradius.ts'
import type { AcctPhase, AuthJob, LoadResult, Target } from './radius/load-generator.ts'
import type { BillingLoadResult } from './radius/billing-load.ts'
import type { PanelLoadResult } from './radius/panel-load.ts'
import { createNas, loadSubscribers } from './radius/subscribers.ts'

const UPLINK_DB = 'uplink_bench_radius'
const FREERADIUS_DB = 'uplink_bench_radius_freeradius'
const NAS_ADDRESS = '127.0.0.1'
const PORTS = { uplink: { auth: 21812, acct: 21813 }, freeradius: { auth: 22812, acct: 22813 } }

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function whole(name: string, fallback: number): number {
  const raw = option(name)
  const v = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a positive whole number`)
    process.exit(64)
  }
  return v
}

const flag = (name: string) => process.argv.includes(`--${name}`)

interface ServerFigures {
  auth: LoadResult
  /** Uplink: server CPU time (user + system) per datagram received, closed-loop auth and accounting. */
  authCpuUs?: number
  acctCpuUs?: number
  /** Open loop at `rate`: Uplink only. */
  paced?: LoadResult
  acct: Record<AcctPhase, LoadResult>
  /** Accounting-Requests acknowledged per second over the three phases. */
  acctRps: number
}

const PHASES: AcctPhase[] = ['start', 'interim', 'stop']

const perDatagram = (cpuUs: number, datagrams: number) => (datagrams > 0 ? Math.round((cpuUs / datagrams) * 10) / 10 : 0)

function line(label: string, r: LoadResult): string {
  return `  ${label.padEnd(9)} ${String(r.rps).padStart(6)}/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  max ${r.max_ms} ms  answered ${r.answered}` +
    (r.accepts + r.rejects ? `  (accept ${r.accepts}, reject ${r.rejects})` : '') +
    (r.lost ? `  LOST ${r.lost}` : '') + (r.invalid ? `  INVALID ${r.invalid}` : '') +
    `  (generator stall max ${r.generatorStallMs} ms)`
}

async function main(): Promise<void> {
  const subscribers = whole('subscribers', 100_000)
  const duration = whole('duration', 10)
  const warmup = whole('warmup', 3)
  const window = whole('window', 64)
  const rate = whole('rate', 10_000)
  const panelAuthRate = whole('panel-auth-rate', 1_000)
  const acctSessions = Math.min(whole('acct-sessions', 20_000), subscribers)
  const threads = whole('freeradius-threads', 16)
  const wrongRatio = Number(option('wrong') ?? 0.1)
  const only = option('only')
  if (!(wrongRatio >= 0 && wrongRatio <= 1) || (only !== undefined && only !== 'uplink' && only !== 'freeradius')) {
    console.error('--wrong is a share between 0 and 1; --only is uplink or freeradius')
    process.exit(64)
  }
  const cpuProfOption = option('cpu-prof')
  const cpuProf = cpuProfOption ? resolve(cpuProfOption) : undefined
  if (cpuProf) mkdirSync(cpuProf, { recursive: true })
  const baseUrl = process.env.DATABASE_URL
  if (!baseUrl) {
    console.error('bench:radius needs DATABASE_URL (a real PostgreSQL server)')
    process.exit(64)
  }
  ensureFreeradius()

  const instanceKey = randomBytes(24).toString('base64url')
  const secret = randomBytes(12).toString('base64url')
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists ${UPLINK_DB} with (force)`)
  await admin.unsafe(`create database ${UPLINK_DB}`)
  await admin.end()
  const target = new URL(baseUrl)
  target.pathname = `/${UPLINK_DB}`
  const uplinkUrl = target.toString()
  console.log(`database ${UPLINK_DB}: migrating`)
  await runMigrations(uplinkUrl)
  const database = connect(uplinkUrl, { max: 4 })
  let started = performance.now()
  const { subscribers: subs } = await loadSubscribers(database.sql, subscribers, instanceKey, (what, done, total) =>
    process.stdout.write(`\rloading ${what}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}   `),
  )
  await createNas(database.sql, instanceKey, NAS_ADDRESS, secret)
  await database.close()
  console.log(`\nUplink: ${subscribers.toLocaleString('en')} subscribers in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  started = performance.now()
  const freeradiusUrl = await prepareFreeradiusDatabase(baseUrl, FREERADIUS_DB, subs, { address: NAS_ADDRESS, secret })
  console.log(`FreeRADIUS (${FREERADIUS_DB}): radcheck/radreply in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const generator = startChild(new URL('./radius/load-generator.ts', import.meta.url), {
    execArgv: (option('generator-flags') ?? '').split(' ').filter(Boolean),
  })
  await generator.next('started')
  generator.send({ type: 'users', logins: subs.map((s) => s.login), passwords: subs.map((s) => s.password) })
  await generator.next('ready')

  const auth = async (to: Target, paced?: number): Promise<LoadResult> => {
    const job: AuthJob = paced
      ? { target: to, window: 512, rate: paced, warmupS: warmup, durationS: duration, wrongRatio, timeoutMs: 3000, seed: 11 }
      : { target: to, window, warmupS: warmup, durationS: duration, wrongRatio, timeoutMs: 3000, seed: 7 }
    generator.send({ type: 'auth', ...job })
    return (await generator.next<{ result: LoadResult }>('result')).result
  }
  interface Profiler {
    start(): void
    stop(name: string): Promise<void>
  }
  /** Reads the server's CPU time and datagram count; `since` gives microseconds of CPU per datagram. */
  type CpuMeter = () => Promise<{ since(then: CpuReading): number; reading: CpuReading }>
  interface CpuReading {
    cpu: number
    received: number
  }
  const measure = async (
    name: string,
    ports: { auth: number; acct: number },
    analyze: () => Promise<void>,
    profiler?: Profiler,
    cpu?: CpuMeter,
  ): Promise<ServerFigures> => {
    const authTarget: Target = { host: '127.0.0.1', port: ports.auth, secret, nasIp: NAS_ADDRESS }
    profiler?.start()
    const authFrom = await cpu?.()
    const a = await auth(authTarget)
    const authCpuUs = authFrom && (await cpu!()).since(authFrom.reading)
    await profiler?.stop('auth')
    console.log(line('auth', a))
    let paced: LoadResult | undefined
    if (name === 'Uplink') {
      profiler?.start()
      paced = await auth(authTarget, rate)
      await profiler?.stop('auth-paced')
      console.log(`${line(`auth at ${rate}/s`, paced)}  sent ${paced.sentRps}/s`)
    }
    const acct = {} as Record<AcctPhase, LoadResult>
    const runTag = randomBytes(4).toString('hex')
    const startedAt = Math.floor(Date.now() / 1000) - 900
    let answered = 0
    let seconds = 0
    let acctCpu = 0
    let acctReceived = 0
    for (const phase of PHASES) {
      profiler?.start()
      const from = await cpu?.()
      generator.send({ type: 'acct', target: { ...authTarget, port: ports.acct }, window, timeoutMs: 3000, phase, sessions: acctSessions, runTag, startedAt })
      acct[phase] = (await generator.next<{ result: LoadResult }>('result')).result
      if (from) {
        const to = (await cpu!()).reading
        acctCpu += to.cpu - from.reading.cpu
        acctReceived += to.received - from.reading.received
      }
      await profiler?.stop(`acct-${phase}`)
      console.log(line(`acct ${phase}`, acct[phase]))
      answered += acct[phase].answered
      seconds += acct[phase].seconds
      // Fresh statistics, as autovacuum keeps them on a server that has run a while (DESIGN.md 10).
      await analyze()
    }
    const acctRps = Math.round(answered / seconds)
    console.log(`  ${name}: accounting ${acctRps}/s over the three phases`)
    if (authCpuUs !== undefined)
      console.log(`  ${name}: server CPU per datagram: auth ${authCpuUs} µs, accounting ${perDatagram(acctCpu, acctReceived)} µs`)
    return {
      auth: a,
      paced,
      acct,
      acctRps,
      authCpuUs,
      acctCpuUs: cpu ? perDatagram(acctCpu, acctReceived) : undefined,
    }
  }
  const analyzer = (url: string, tables: string) => async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    await sql.unsafe(`analyze ${tables}`)
    await sql.end()
  }

  /**
   * Each server starts on a quiet database: what the previous phases wrote is checkpointed and no
   * autovacuum worker is still busy with it (up to 30 s), so neither server's figures carry the other's
   * background writes.
   */
  const quiesce = async () => {
    const sql = postgres(baseUrl, { max: 1, onnotice: () => {} })
    try {
      await sql`checkpoint`
      for (let i = 0; i < 60; i++) {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`
        if (!row?.n) break
        await new Promise((r) => setTimeout(r, 500))
      }
    } catch (error) {
      console.log(`  (could not checkpoint: ${(error as Error).message})`)
    } finally {
      await sql.end()
    }
  }

  let freeradius: ServerFigures | undefined
  if (only !== 'uplink') {
    await quiesce()
    console.log(`FreeRADIUS 3 + rlm_sql (${threads} threads), window ${window}, ${duration} s after ${warmup} s warm-up`)
    const fr = await startFreeradius({ databaseUrl: freeradiusUrl, authPort: PORTS.freeradius.auth, acctPort: PORTS.freeradius.acct, threads })
    try {
      freeradius = await measure('FreeRADIUS', PORTS.freeradius, analyzer(freeradiusUrl, 'radacct'))
    } finally {
      await fr.stop()
    }
  }

  let uplink: ServerFigures | undefined
  let underPanel: { auth: LoadResult; panel: PanelLoadResult; billing: BillingLoadResult } | undefined
  if (only !== 'freeradius') {
    await quiesce()
    console.log(`Uplink (plugins/radius/standalone.ts), window ${window}, ${duration} s after ${warmup} s warm-up`)
    const serverFlags = (option('server-flags') ?? RADIUS_NODE_FLAGS.join(' ')).split(' ').filter(Boolean)
    console.log(`  server flags: ${serverFlags.join(' ') || '(none)'}`)
    const server = startChild(new URL('./radius/uplink-server.ts', import.meta.url), {
      execArgv: serverFlags,
      env: {
        RADIUS_ACCT_LANES: option('acct-lanes') ?? process.env.RADIUS_ACCT_LANES ?? '',
        DATABASE_URL: uplinkUrl,
        INSTANCE_KEY: instanceKey,
        RADIUS_AUTH_PORT: String(PORTS.uplink.auth),
        RADIUS_ACCT_PORT: String(PORTS.uplink.acct),
        RADIUS_PROFILE_DIR: cpuProf ?? '',
      },
    })
    const profiler: Profiler | undefined = cpuProf
      ? {
          start: () => server.send({ type: 'profile-start' }),
          stop: async (name) => {
            server.send({ type: 'profile-stop', name })
            await server.next('profiled')
          },
        }
      : undefined
    try {
      const ready = await server.next<{ subscribers: number; loadSeconds: number }>('ready')
      console.log(`  ${ready.subscribers.toLocaleString('en')} subscribers in memory, loaded in ${ready.loadSeconds} s`)
      const cpu: CpuMeter = async () => {
        server.send({ type: 'cpu' })
        const m = await server.next<{ usage: NodeJS.CpuUsage; received: number }>('cpu')
        const reading = { cpu: m.usage.user + m.usage.system, received: m.received }
        return { reading, since: (then) => perDatagram(reading.cpu - then.cpu, reading.received - then.received) }
      }
      uplink = await measure('Uplink', PORTS.uplink, analyzer(uplinkUrl, 'radius_sessions, radius_accounting'), profiler, cpu)
      if (flag('panel')) {
        const panel = startChild(new URL('./radius/panel-load.ts', import.meta.url), {
          env: { DATABASE_URL: uplinkUrl, INSTANCE_KEY: instanceKey, PANEL_SECONDS: String(warmup + duration + 2) },
        })
        const billing = startChild(new URL('./radius/billing-load.ts', import.meta.url), {
          env: { DATABASE_URL: uplinkUrl },
        })
        await Promise.all([panel.next('loading'), billing.next('loading')])
        const a = await auth({ host: '127.0.0.1', port: PORTS.uplink.auth, secret, nasIp: NAS_ADDRESS }, panelAuthRate)
        billing.send({ type: 'stop' })
        const b = (await billing.next<{ result: BillingLoadResult }>('result')).result
        const p = (await panel.next<{ result: PanelLoadResult }>('result')).result
        await Promise.all([panel.stop(), billing.stop()])
        underPanel = { auth: a, panel: p, billing: b }
        console.log(`${line(`auth at ${panelAuthRate}/s with panel and billing load`, a)}  sent ${a.sentRps}/s`)
        console.log(`  panel search meanwhile: ${p.rps} req/s, p99 ${p.p99_ms} ms, errors ${p.errors}`)
        console.log(`  billing meanwhile: ${b.runs} daily runs previewed and committed, ${b.invoices} invoices`)
      }
    } finally {
      const stats = server.next<{ counters: unknown; accounting: unknown; errors: number }>('stats').catch(() => undefined)
      await server.stop()
      const s = await stats
      if (s) console.log(`  server counters: ${JSON.stringify(s.counters)}\n  accounting store: ${JSON.stringify(s.accounting)}, errors ${s.errors}`)
    }
  }
  generator.send({ type: 'exit' })

  const result: Record<string, unknown> = {
    bench: 'radius',
    subscribers,
    auth_rps: uplink?.auth.rps ?? null,
    auth_p99_ms: uplink?.paced?.p99_ms ?? null,
    acct_rps: uplink?.acctRps ?? null,
    freeradius_auth_rps: freeradius?.auth.rps ?? null,
    freeradius_acct_rps: freeradius?.acctRps ?? null,
  }
  if (uplink?.paced) {
    result.auth_p99_at_rps = uplink.paced.sentRps
    result.auth_p99_lost = uplink.paced.lost
    result.auth_p99_saturated_ms = uplink.auth.p99_ms
  }
  if (uplink?.authCpuUs !== undefined) {
    result.auth_cpu_us = uplink.authCpuUs
    result.acct_cpu_us = uplink.acctCpuUs
  }
  if (freeradius) result.freeradius_auth_p99_saturated_ms = freeradius.auth.p99_ms
  if (underPanel) {
    result.auth_p99_with_panel_ms = underPanel.auth.p99_ms
    result.auth_rps_with_panel = underPanel.auth.rps
    result.auth_lost_with_panel = underPanel.auth.lost
    result.panel_rps = underPanel.panel.rps
    result.billing_invoices_with_panel = underPanel.billing.invoices
  }
  console.log(JSON.stringify(result))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
