import { definePlugin } from '../kernel/plugins/define.ts'
import { dashboardRoutes } from './routes.ts'

export default definePlugin({
  name: 'core:dashboard',
  permissions: ['dashboard.view', 'apidocs.view'],
  menu: [
    { section: 'Dashboard', label: 'Dashboard', href: '/admin', permission: 'dashboard.view', order: 0 },
    { section: 'Administration', label: 'API docs', href: '/api/docs', permission: 'apidocs.view', order: 90 },
  ],
  routes: dashboardRoutes,
})
