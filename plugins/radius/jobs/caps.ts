// Data caps and fair-usage speed windows: marks services over their cap (or back under it, or in a new
// period) and sends the CoA / Disconnect; switches plans' speed windows; re-sends unanswered requests.
import type { PluginContext } from '../../../core/plugin-api.ts'
import { defineJob } from '../../../core/plugin-api.ts'
import { checkCaps, retryUnanswered } from '../caps/check.ts'
import { applySpeedWindows } from '../caps/speed-windows.ts'
import { RadiusState } from '../state.ts'

export default defineJob(async (jobCtx) => {
  // A job runs in a worker thread: no listening server here, so CoA goes out from a client of its own.
  const ctx = jobCtx as unknown as PluginContext
  const radius = new RadiusState()
  const caps = await checkCaps(ctx, radius)
  const windows = await applySpeedWindows(ctx, radius)
  const retried = await retryUnanswered(ctx, radius)
  const result = {
    checked: caps.checked,
    capped: caps.transitions.filter((t) => t.kind === 'capped').length,
    lifted: caps.transitions.filter((t) => t.kind === 'lifted').length,
    windows: windows.switched.length,
    coa: caps.coa.length + windows.coa.length + retried.length,
  }
  if (result.capped + result.lifted + result.windows > 0) jobCtx.log.info('data caps applied', result)
  return result
})
