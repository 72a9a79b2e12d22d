import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../kernel/context.ts'

/** Finance reports and collections pages. */
export async function reportRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
