import { loadConfig, ConfigError, type Config } from '../config/index.ts'
import { openDatabase } from '../db/open.ts'
import type { DbHandle } from '../db/client.ts'
import { runMigrations } from '../db/migrate.ts'
import { EmbeddedLockedError } from '../db/embedded.ts'
import { ensureFirstAdmin } from './admins/first-admin.ts'
import { ensureMainPartner } from './partners/bootstrap.ts'

/** Entry point: check config, open and migrate the database, build the app, listen. */
async function main(): Promise<void> {
  const startedAt = Date.now()
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(78)
    }
    throw err
  }
  let database: DbHandle
  let buildApp: typeof import('./app.ts').buildApp
  try {
    // The app's modules load while the embedded database starts: both take about a second.
    const [opened, appModule] = await Promise.all([openDatabase(config), import('./app.ts')])
    database = opened
    buildApp = appModule.buildApp
  } catch (err) {
    if (err instanceof EmbeddedLockedError) {
      console.error(err.message)
      process.exit(75)
    }
    throw err
  }
  await runMigrations(database.url)
  const app = await buildApp({ config, database })
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down')
    await app.close()
    await database.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  await app.listen({ host: config.HOST, port: config.PORT })
  await ensureMainPartner(database.db)
  const first = await ensureFirstAdmin(database.db, app.host.allPermissions())
  if (first) {
    const shown = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST
    console.log(
      [
        '',
        '  Uplink is set up. Log in to the admin panel:',
        `    URL:      http://${shown}:${config.PORT}/admin/login`,
        `    Login:    ${first.login}`,
        `    Password: ${first.password}`,
        '  This password is shown once; change it under your profile. Two-factor login is under your profile too.',
        '',
      ].join('\n'),
    )
  }
  if (process.argv.includes('--demo')) {
    const { loadDemo } = await import('../scripts/demo.ts')
    const summary = await loadDemo(database.db)
    app.log.info({ summary }, 'demo data loaded')
  }
  app.log.info(
    { ms: Date.now() - startedAt, database: config.DATABASE_URL ? 'postgresql' : `embedded (${config.DATA_DIR})` },
    'Uplink is ready',
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
