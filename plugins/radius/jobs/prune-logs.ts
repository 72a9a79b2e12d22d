// Deletes auth log rows past their keep time and consumed change-feed rows.
import type { Sql } from 'postgres'
import { defineJob } from '../../../core/plugin-api.ts'
import { pruneLogs } from '../service/maintenance.ts'
import type { RadiusSettings } from '../settings.ts'

export default defineJob(async (ctx) => {
  const s = (await ctx.settings()) as unknown as RadiusSettings
  return pruneLogs(ctx.sql as Sql, ctx.clock.now(), s.accounting.authLogDays)
})
