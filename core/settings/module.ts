import { definePlugin } from '../kernel/plugins/define.ts'
import { CoreSettings } from './core-settings.ts'
import { settingsRoutes } from './routes.ts'

export default definePlugin({
  name: 'core:settings',
  title: 'Company',
  settings: CoreSettings,
  permissions: ['settings.manage'],
  menu: [
    {
      section: 'Administration',
      label: 'Settings',
      href: '/admin/settings',
      permission: 'settings.manage',
      order: 80,
    },
  ],
  routes: settingsRoutes,
})
