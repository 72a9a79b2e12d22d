import type { FastifyInstance } from 'fastify'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { billingRunApi } from './api.ts'
import { billingRunPages } from './pages.ts'
import { timeTravelRoutes } from './time-travel-routes.ts'

/** Billing runs (preview, confirm), time travel: panel pages and API. */
export async function billingRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  await billingRunApi(app, ctx)
  await billingRunPages(app, ctx)
  await timeTravelRoutes(app, ctx)
}
