// Re-sends CoA / Disconnect requests the NAS did not answer; gives them up as failed after the last round.
import type { PluginContext } from '../../../core/plugin-api.ts'
import { defineJob } from '../../../core/plugin-api.ts'
import { retryStoredRequests } from '../service/coa-retry.ts'
import { RadiusState } from '../state.ts'

export default defineJob(async (jobCtx) => {
  // A job runs in a worker thread: no listening server here, so CoA goes out from a client of its own.
  const outcomes = await retryStoredRequests(jobCtx as unknown as PluginContext, new RadiusState())
  const count = (status: string) => outcomes.filter((o) => o.status === status).length
  const result = { sent: outcomes.length, ack: count('ack'), nak: count('nak'), failed: count('failed') }
  if (result.sent > 0) jobCtx.log.info('re-sent unanswered CoA / Disconnect requests', result)
  return result
})
