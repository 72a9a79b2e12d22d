import { apiKeyRoutes } from '../api/routes.ts'
import { definePlugin } from '../kernel/plugins/define.ts'
import { ADMIN_PERMISSIONS } from './permissions.ts'
import { adminApiRoutes } from './routes/api.ts'
import { adminPages } from './routes/admins-pages.ts'
import { authRoutes } from './routes/auth.ts'
import { profileRoutes } from './routes/profile.ts'
import { rolePages } from './routes/roles-pages.ts'

export default definePlugin({
  name: 'core:admins',
  permissions: [...ADMIN_PERMISSIONS],
  menu: [
    {
      section: 'Administration',
      label: 'Admins',
      href: '/admin/admins',
      permission: 'admins.view',
      order: 10,
    },
    {
      section: 'Administration',
      label: 'Roles',
      href: '/admin/roles',
      permission: 'roles.manage',
      order: 20,
    },
    {
      section: 'Administration',
      label: 'API keys',
      href: '/admin/api-keys',
      permission: 'apikeys.manage',
      order: 30,
    },
  ],
  routes: async (app) => {
    await authRoutes(app)
    await profileRoutes(app)
    await adminPages(app)
    await rolePages(app)
    await adminApiRoutes(app)
    await apiKeyRoutes(app)
  },
})
