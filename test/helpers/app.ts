import type { FastifyInstance } from 'fastify'
import { loadConfig, type Config } from '../../config/index.ts'
import { buildApp } from '../../core/app.ts'
import { ManualClock } from '../../core/kernel/clock.ts'
import type { PluginDefinition } from '../../core/kernel/plugins/define.ts'
import type { DbHandle } from '../../db/client.ts'
import { testDatabase } from './db.ts'

export interface TestApp {
  app: FastifyInstance
  database: DbHandle
  clock: ManualClock
  config: Config
  close(): Promise<void>
}

export const TEST_INSTANCE_KEY = 'test-instance-key-0123456789abcdefghijkl'

/** The real app on a fresh database, with a manual clock and no plugins unless given. */
export async function testApp(
  options: { plugins?: PluginDefinition[]; env?: Record<string, string>; clock?: ManualClock; eagerSchemas?: boolean } = {},
): Promise<TestApp> {
  const database = await testDatabase()
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    INSTANCE_KEY: TEST_INSTANCE_KEY,
    DATA_DIR: '/nonexistent-test-data-dir',
    PLUGINS: '',
    ...options.env,
  })
  const clock = options.clock ?? new ManualClock('2026-01-15T10:00:00Z')
  // Schemas compile at a route's first request (most files call a few of some 300 routes); app.test
  // builds one app the way a server does, compiling every schema at boot.
  const app = await buildApp({ config, database, clock, plugins: options.plugins ?? [], lazySchemas: !options.eagerSchemas })
  await app.ready()
  return {
    app,
    database,
    clock,
    config,
    async close() {
      await app.close()
      await database.close()
    },
  }
}
