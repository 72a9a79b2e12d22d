import { definePlugin } from '../kernel/plugins/define.ts'
import { planApiRoutes } from './api.ts'
import { planPages } from './pages.ts'
import { taxRatePages } from './tax-pages.ts'

/**
 * Plans and tax rates. Viewing plans (and the tax rates a plan form picks from) needs plans.view;
 * changing plans plans.manage; changing tax rates taxes.manage, which the built-in financial
 * manager role holds through taxes.*.
 */
export const PLAN_PERMISSIONS = ['plans.view', 'plans.manage', 'taxes.manage']

export default definePlugin({
  name: 'core:plans',
  permissions: PLAN_PERMISSIONS,
  menu: [
    {
      section: 'Tariff plans',
      label: 'Internet',
      href: '/admin/plans?type=internet',
      permission: 'plans.view',
      order: 10,
    },
    {
      section: 'Tariff plans',
      label: 'Voice',
      href: '/admin/plans?type=voice',
      permission: 'plans.view',
      order: 20,
    },
    {
      section: 'Tariff plans',
      label: 'Recurring',
      href: '/admin/plans?type=recurring',
      permission: 'plans.view',
      order: 30,
    },
    {
      section: 'Tariff plans',
      label: 'One-time',
      href: '/admin/plans?type=one_time',
      permission: 'plans.view',
      order: 40,
    },
    {
      section: 'Tariff plans',
      label: 'Bundles',
      href: '/admin/plans?type=bundle',
      permission: 'plans.view',
      order: 50,
    },
    {
      section: 'Tariff plans',
      label: 'Tax rates',
      href: '/admin/tax-rates',
      permission: 'plans.view',
      order: 60,
    },
  ],
  routes: async (app, ctx) => {
    await taxRatePages(app, ctx)
    await planPages(app, ctx)
    await planApiRoutes(app, ctx)
  },
})
