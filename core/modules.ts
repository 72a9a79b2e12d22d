import type { PluginDefinition } from './kernel/plugins/define.ts'
import admins from './admins/module.ts'
import customers from './customers/module.ts'
import partners from './partners/module.ts'
import plans from './plans/module.ts'
import services from './services/module.ts'
import finance from './finance/module.ts'
import dashboard from './dashboard/module.ts'
import portal from './portal/module.ts'
import audit from './audit/module.ts'
import jobs from './kernel/jobs/module.ts'
import settings from './settings/module.ts'

/** Core domains, each declared with the same contract as a plugin (permissions, menu, routes). */
export const coreModules: PluginDefinition[] = [admins, customers, partners, plans, services, finance, dashboard, portal, audit, jobs, settings]
