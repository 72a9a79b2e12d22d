import type { PluginJob } from '../../kernel/plugins/define.ts'

/** Jobs of collections (overdue, blocking, deactivation, late fees, reminders, prepaid warnings). */
export const collectionJobs: PluginJob[] = [
  {
    name: 'collections',
    // Early morning in the ISP's time zone (the scheduler's), after midnight's billing.
    cron: '15 5 * * *',
    file: './collections/jobs/daily.ts',
    description: 'Marks overdue invoices, blocks, unblocks and deactivates debtors, charges late fees, sends reminders',
  },
]
