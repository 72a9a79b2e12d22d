// Closes sessions the NAS stopped reporting (no accounting for N interim intervals).
import type { Sql } from 'postgres'
import { defineJob } from '../../../core/plugin-api.ts'
import { closeStaleSessions } from '../service/maintenance.ts'
import type { RadiusSettings } from '../settings.ts'

export default defineJob(async (ctx) => {
  const s = (await ctx.settings()) as unknown as RadiusSettings
  const interval = s.accounting.interimInterval > 0 ? s.accounting.interimInterval : 300
  const closed = await closeStaleSessions(
    ctx.sql as Sql,
    ctx.clock.now(),
    interval * s.accounting.staleAfterIntervals,
  )
  if (closed > 0) ctx.log.info('closed stale RADIUS sessions', { closed })
  return { closed }
})
