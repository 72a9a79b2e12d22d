import { AUDIT_PERMISSIONS } from '../admins/permissions.ts'
import { definePlugin } from '../kernel/plugins/define.ts'
import { auditRoutes } from './routes.ts'

export default definePlugin({
  name: 'core:audit',
  permissions: [...AUDIT_PERMISSIONS],
  menu: [
    {
      section: 'Administration',
      label: 'Audit log',
      href: '/admin/audit',
      permission: 'audit.view',
      order: 40,
    },
  ],
  routes: async (app) => {
    await auditRoutes(app)
  },
})
