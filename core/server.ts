import { loadConfig, ConfigError, type Config } from '../config/index.ts'
import { openDatabase } from '../db/open.ts'
import type { DbHandle } from '../db/client.ts'
import { runMigrations } from '../db/migrate.ts'
import { buildApp } from './app.ts'
import { EmbeddedLockedError } from '../db/embedded.ts'

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
  try {
    database = await openDatabase(config)
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
  app.log.info(
    { ms: Date.now() - startedAt, database: config.DATABASE_URL ? 'postgresql' : `embedded (${config.DATA_DIR})` },
    'Uplink is ready',
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
