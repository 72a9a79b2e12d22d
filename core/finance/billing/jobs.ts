import type { PluginJob } from '../../kernel/plugins/define.ts'

/** Jobs of the billing engine (preview, commit, auto-confirm, prepaid daily charges). */
export const billingJobs: PluginJob[] = []
