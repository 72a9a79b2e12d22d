import { definePlugin } from '../kernel/plugins/define.ts'
import { serviceApiRoutes } from './api.ts'
import { massPlanChangePage } from './mass-page.ts'
import { servicePages } from './pages.ts'

/**
 * Customer services (subscriptions). services.password.view reveals the clear-text PPPoE/RADIUS
 * password of an internet service; everyone else sees only that there is one.
 */
export const SERVICE_PERMISSIONS = ['services.view', 'services.manage', 'services.password.view']

export default definePlugin({
  name: 'core:services',
  permissions: SERVICE_PERMISSIONS,
  menu: [
    {
      section: 'Tariff plans',
      label: 'Mass plan change',
      href: '/admin/services/mass-plan-change',
      permission: 'services.manage',
      order: 70,
    },
  ],
  customerTabs: [
    { id: 'services', label: 'Services', permission: 'services.view', href: (id) => `/admin/customers/${id}/services` },
  ],
  routes: async (app, ctx) => {
    await serviceApiRoutes(app, ctx)
    await massPlanChangePage(app, ctx)
    await servicePages(app, ctx)
  },
})
