import { definePlugin } from '../kernel/plugins/define.ts'
import { portalAccountRoutes } from './account-routes.ts'
import { portalAuthRoutes } from './auth-routes.ts'

export default definePlugin({
  name: 'core:portal',
  portalRoutes: async (app, ctx) => {
    await portalAuthRoutes(app, ctx)
    await portalAccountRoutes(app, ctx)
  },
})
