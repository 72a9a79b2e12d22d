import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../kernel/context.ts'

/** Billing runs (preview, confirm), time travel: panel pages and API. */
export async function billingRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
