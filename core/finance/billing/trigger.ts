import type { FastifyInstance } from 'fastify'
import { ConflictError } from '../../kernel/errors.ts'
import { BILLING_RUNS_JOB } from './jobs.ts'

/**
 * Starts the billing-runs job now. When it is already running on this node it will find the new work
 * itself (it loops until no run is previewing or committing), so "already running" is not an error.
 */
export async function kickBillingJob(app: FastifyInstance): Promise<void> {
  if (!app.scheduler?.has(BILLING_RUNS_JOB)) return
  try {
    await app.scheduler.trigger(BILLING_RUNS_JOB)
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err
  }
}
