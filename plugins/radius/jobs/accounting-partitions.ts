// Creates the monthly partitions of radius_accounting ahead of time.
import type { Sql } from 'postgres'
import { defineJob } from '../../../core/plugin-api.ts'
import { ensureAccountingPartitions } from '../service/maintenance.ts'
import type { RadiusSettings } from '../settings.ts'

export default defineJob(async (ctx) => {
  const s = (await ctx.settings()) as unknown as RadiusSettings
  const created = await ensureAccountingPartitions(
    ctx.sql as Sql,
    ctx.clock.today().toString(),
    s.accounting.partitionsAhead,
  )
  return { created }
})
