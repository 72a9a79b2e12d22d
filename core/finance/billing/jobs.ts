import type { PluginJob } from '../../kernel/plugins/define.ts'

/** Name of the job that previews and commits billing runs (the routes trigger it). */
export const BILLING_RUNS_JOB = 'core:finance:billing-runs'

/** Jobs of the billing engine (preview, commit, auto-confirm, prepaid daily charges). */
export const billingJobs: PluginJob[] = [
  {
    name: 'billing-runs',
    every: '5 minutes',
    file: './billing/jobs/runs.ts',
    description: 'Previews and commits billing runs; confirms previews whose auto-confirm time has come',
  },
  {
    name: 'billing-daily',
    cron: '30 0 * * *',
    file: './billing/jobs/daily.ts',
    description: 'Applies scheduled plan changes, stops ended services, bills prepaid daily customers',
  },
]
