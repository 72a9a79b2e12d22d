import type { FastifyInstance } from 'fastify'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { creditNoteApiRoutes } from '../credit-notes/api.ts'
import { creditNotePages } from '../credit-notes/pages.ts'
import { invoiceApiRoutes } from '../invoices/api.ts'
import { invoicePages } from '../invoices/pages.ts'
import { paymentApiRoutes } from '../payments/api.ts'
import { paymentPages } from '../payments/pages.ts'
import { accountApiRoutes } from './account-api.ts'
import { billingPages } from './billing-pages.ts'
import { pdfRoutes } from './pdf-routes.ts'

/** Invoices, credit notes, payments, statements: panel pages and API. */
export async function documentRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  await invoiceApiRoutes(app, ctx)
  await creditNoteApiRoutes(app, ctx)
  await paymentApiRoutes(app, ctx)
  await accountApiRoutes(app, ctx)
  await invoicePages(app, ctx)
  await paymentPages(app, ctx)
  await creditNotePages(app, ctx)
  await billingPages(app, ctx)
  await pdfRoutes(app, ctx)
}

export { documentPortalRoutes } from './portal.ts'
