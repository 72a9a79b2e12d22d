import { definePlugin } from '../kernel/plugins/define.ts'
import { partnerApiRoutes } from './api.ts'
import { partnerPages } from './pages.ts'

export const PARTNER_PERMISSIONS = ['partners.manage']

export default definePlugin({
  name: 'core:partners',
  permissions: PARTNER_PERMISSIONS,
  menu: [{ section: 'Administration', label: 'Partners', href: '/admin/partners', permission: 'partners.manage', order: 40 }],
  routes: async (app, ctx) => {
    await partnerPages(app, ctx)
    await partnerApiRoutes(app, ctx)
  },
})
