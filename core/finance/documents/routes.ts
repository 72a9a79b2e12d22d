import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../kernel/context.ts'

/** Invoices, credit notes, payments, statements: panel pages and API. */
export async function documentRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
