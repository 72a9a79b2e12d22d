import { definePlugin } from '../kernel/plugins/define.ts'
import { customerApiRoutes } from './api.ts'
import { customerImportPages } from './import-pages.ts'
import { customerPages } from './pages.ts'

export const CUSTOMER_PERMISSIONS = [
  'customers.view',
  'customers.create',
  'customers.edit',
  'customers.delete',
  'customers.import',
  'customers.export',
]

export default definePlugin({
  name: 'core:customers',
  permissions: CUSTOMER_PERMISSIONS,
  menu: [
    { section: 'Customers', label: 'Customers', href: '/admin/customers', permission: 'customers.view', order: 10 },
    { section: 'Customers', label: 'Add customer', href: '/admin/customers/new', permission: 'customers.create', order: 20 },
    { section: 'Customers', label: 'Import', href: '/admin/customers/import', permission: 'customers.import', order: 30 },
    { section: 'Customers', label: 'Additional fields', href: '/admin/customers/custom-fields', permission: 'customers.edit', order: 40 },
  ],
  routes: async (app, ctx) => {
    // Static paths before /admin/customers/:id so they are never read as an id.
    await customerImportPages(app, ctx)
    await customerPages(app, ctx)
    await customerApiRoutes(app, ctx)
  },
})
