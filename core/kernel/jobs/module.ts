import { definePlugin } from '../plugins/define.ts'
import { jobRoutes } from './routes.ts'

export default definePlugin({
  name: 'core:jobs',
  url: import.meta.url,
  permissions: ['jobs.view', 'jobs.run'],
  menu: [
    {
      section: 'Administration',
      label: 'Scheduled jobs',
      href: '/admin/jobs',
      permission: 'jobs.view',
      order: 70,
    },
  ],
  routes: jobRoutes,
  jobs: [
    {
      name: 'prune-runs',
      cron: '17 4 * * *',
      file: './jobs/prune-runs.ts',
      description: 'Deletes job run history older than 90 days',
    },
  ],
})
