import type { PluginJob } from '../../kernel/plugins/define.ts'

/** Jobs of collections (overdue, blocking, deactivation, late fees). */
export const collectionJobs: PluginJob[] = []
