/** The plugin's routes: the JSON API, the panel pages and the live online-sessions page. */
import type { FastifyInstance } from 'fastify'
import type { PluginContext } from '../../../core/plugin-api.ts'
import type { RadiusState } from '../state.ts'
import { radiusApi } from './api.ts'
import { radiusPages } from './pages.ts'
import { sessionsLive } from './sessions-live.ts'

export async function radiusRoutes(
  app: FastifyInstance,
  ctx: PluginContext,
  state: RadiusState,
): Promise<void> {
  await radiusApi(app, ctx, state)
  await radiusPages(app, ctx, state)
  await sessionsLive(app, ctx, state)
}
