import { definePlugin } from '../kernel/plugins/define.ts'
import { billingJobs } from './billing/jobs.ts'
import { billingRoutes } from './billing/routes.ts'
import { collectionHandlers } from './collections/handlers.ts'
import { collectionJobs } from './collections/jobs.ts'
import { documentPortalRoutes, documentRoutes } from './documents/routes.ts'
import { reportRoutes } from './reports/routes.ts'
import { FinanceSettings } from './settings.ts'

/**
 * Finance: invoices, credit notes, payments, the ledger, billing runs, collections and reports.
 * finance.view reads documents and balances; the rest change them.
 */
export const FINANCE_PERMISSIONS = [
  'finance.view',
  'invoices.manage',
  'credit_notes.manage',
  'payments.manage',
  'transactions.manage',
  'billing.view',
  'billing.run',
  'billing.time_travel',
  'reports.view',
]

export default definePlugin({
  name: 'core:finance',
  url: import.meta.url,
  title: 'Finance',
  settings: FinanceSettings,
  permissions: FINANCE_PERMISSIONS,
  menu: [
    { section: 'Finance', label: 'Invoices', href: '/admin/finance/invoices', permission: 'finance.view', order: 10 },
    { section: 'Finance', label: 'Payments', href: '/admin/finance/payments', permission: 'finance.view', order: 20 },
    { section: 'Finance', label: 'Credit notes', href: '/admin/finance/credit-notes', permission: 'finance.view', order: 30 },
    { section: 'Finance', label: 'Billing runs', href: '/admin/finance/billing-runs', permission: 'billing.view', order: 40 },
    { section: 'Finance', label: 'Time travel', href: '/admin/finance/time-travel', permission: 'billing.time_travel', order: 50 },
    { section: 'Finance', label: 'Collections', href: '/admin/finance/collections', permission: 'finance.view', order: 55 },
    { section: 'Finance', label: 'Reports', href: '/admin/finance/reports', permission: 'reports.view', order: 60 },
  ],
  customerTabs: [
    { id: 'billing', label: 'Billing', permission: 'finance.view', href: (id) => `/admin/customers/${id}/billing` },
  ],
  jobs: [...billingJobs, ...collectionJobs],
  on: collectionHandlers,
  portalRoutes: documentPortalRoutes,
  routes: async (app, ctx) => {
    await documentRoutes(app, ctx)
    await billingRoutes(app, ctx)
    await reportRoutes(app, ctx)
  },
})
