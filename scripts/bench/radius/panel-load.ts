/**
 * Panel load beside the RADIUS server, as its own process: the real app (buildApp, no plugins) on the
 * bench database, an admin with an API key, and autocannon (in a worker thread) searching customers
 * with 32 connections. Sends {type: 'loading'} when the load starts and {type: 'result', ...} when it
 * ends. Environment: DATABASE_URL, INSTANCE_KEY, PANEL_SECONDS, PANEL_CONNECTIONS.
 */
import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import { loadConfig } from '../../../config/index.ts'
import { buildApp } from '../../../core/app.ts'
import { hashPassword } from '../../../core/admins/passwords.ts'
import { roleByBuiltin } from '../../../core/admins/roles.ts'
import { admins } from '../../../core/admins/schema.ts'
import { createApiKey } from '../../../core/api/keys.ts'
import { SYSTEM_ACTOR } from '../../../core/audit/service.ts'
import { connect } from '../../../db/client.ts'

export interface PanelLoadResult {
  rps: number
  p99_ms: number
  errors: number
}

/** What an admin types into the search box while the NASes authenticate: names, logins, domains, phones, ids. */
const TERMS = ['kowal', 'nowak', 'olena', 'шевч', 'garcía', 'smith', 'kraków', 'lviv', 'gmail', 'wp.pl', '+48 6', '+380 67', 'high street', 'anna nowak', 'tkachenko4', '4242', '77']

async function main(): Promise<void> {
  process.once('disconnect', () => process.exit(1))
  const url = process.env.DATABASE_URL!
  const seconds = Number(process.env.PANEL_SECONDS ?? 15)
  const connections = Number(process.env.PANEL_CONNECTIONS ?? 32)
  const database = connect(url, { max: 10 })
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: url, LOG_LEVEL: 'warn', INSTANCE_KEY: process.env.INSTANCE_KEY, PLUGINS: '' })
  const app = await buildApp({ config, database, plugins: [] })
  await app.ready()
  const role = await roleByBuiltin(database.db, 'super_admin')
  const [admin] = await database.db
    .insert(admins)
    .values({ login: `bench-${randomBytes(4).toString('hex')}`, name: 'RADIUS benchmark', passwordHash: await hashPassword(randomBytes(12).toString('hex')), roleId: role.id })
    .returning({ id: admins.id })
  const { key } = await createApiKey(database.db, admin!.id, { name: 'bench', permissions: ['customers.view'] }, { actor: SYSTEM_ACTOR, at: new Date() })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  process.send!({ type: 'loading' })
  const result = await autocannon({
    url: address,
    connections,
    duration: seconds,
    workers: 1,
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    requests: TERMS.map((t) => ({ method: 'GET' as const, path: `/api/v1/customers?q=${encodeURIComponent(t)}&limit=25` })),
  })
  await new Promise((r) => setTimeout(r, 300))
  app.log.level = 'silent'
  await app.close()
  await database.close()
  const out: PanelLoadResult = {
    rps: Math.round(result.requests.average),
    p99_ms: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  }
  process.send!({ type: 'result', result: out })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
