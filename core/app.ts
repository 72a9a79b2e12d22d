import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config/index.ts'
import type { DbHandle } from '../db/client.ts'
import { systemClock, type Clock } from './kernel/clock.ts'
import type { AppContext } from './kernel/context.ts'
import { installErrorHandler } from './kernel/errors.ts'
import { emitEvent } from './kernel/events/outbox.ts'
import { registerWebStack } from './kernel/web.ts'
import { installGuards } from './admins/guard.ts'
import { installPortalGuard } from './portal/guard.ts'
import { coreModules } from './modules.ts'
import { PluginHost } from './kernel/plugins/host.ts'
import type { PluginDefinition } from './kernel/plugins/define.ts'
import { loadPlugins } from './kernel/plugins/load.ts'
import { Dispatcher } from './kernel/events/dispatcher.ts'
import { Scheduler } from './kernel/jobs/scheduler.ts'
import { lazySchemaCompilers } from './kernel/lazy-schemas.ts'

export interface AppOptions {
  config: Config
  database: DbHandle
  clock?: Clock
  /** Plugin definitions to load; defaults to those named by config.plugins. */
  plugins?: PluginDefinition[]
  logger?: boolean | Record<string, unknown>
  /** Start the job scheduler and the event dispatcher when the app is ready (default: not in NODE_ENV=test). */
  background?: boolean
  /** Compile each route's schemas at its first request instead of at boot (tests: see kernel/lazy-schemas.ts). */
  lazySchemas?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext
    host: PluginHost
    scheduler: Scheduler
    dispatcher: Dispatcher
  }
}

/** Builds the whole application, ready to listen or to be driven by `inject` in tests. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options
  const app = Fastify({
    logger: options.logger ?? { level: config.LOG_LEVEL },
    trustProxy: true,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true, allErrors: true } },
    ...(options.lazySchemas ? { schemaController: { compilersFactory: lazySchemaCompilers() } } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>()

  const ctx: AppContext = {
    db: database.db,
    sql: database.sql,
    databaseUrl: database.url,
    config,
    clock: options.clock ?? systemClock(config.TIME_ZONE),
    log: app.log,
    emit: emitEvent,
  }
  app.decorate('ctx', ctx)
  installErrorHandler(app)
  await registerWebStack(app, ctx)
  installGuards(app)
  installPortalGuard(app)

  const definitions = [...coreModules, ...(options.plugins ?? (await loadPlugins(config.plugins)))]
  const host = new PluginHost(ctx, definitions)
  app.decorate('host', host)
  await host.validateSettings()
  const scheduler = new Scheduler(ctx, host.jobs())
  const dispatcher = new Dispatcher(ctx, host.subscribers())
  app.decorate('scheduler', scheduler)
  app.decorate('dispatcher', dispatcher)
  await host.registerRoutes(app)
  const background = options.background ?? config.NODE_ENV !== 'test'
  app.addHook('onReady', async () => {
    await host.start()
    if (background) {
      await dispatcher.start()
      await scheduler.start()
    }
  })
  app.addHook('onClose', async () => {
    await scheduler.stop()
    await dispatcher.stop()
    await host.stop()
  })
  return app
}
