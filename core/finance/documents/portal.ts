import type { FastifyInstance, FastifyRequest } from 'fastify'
import { NotFoundError, ValidationError } from '../../kernel/errors.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { flash, render } from '../../kernel/views.ts'
import { portalActor } from '../../portal/actor.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { invoiceDetail, listInvoices } from '../invoices/read.ts'
import { customerBalance } from '../ledger.ts'
import { listPayments } from '../payments/read.ts'
import { receiptData } from '../payments/pages.ts'
import { loadPayment } from '../payments/void.ts'
import { customerStatement, statementCsv, statementPeriod } from '../statement/statement.ts'
import { invoiceOut } from './api-out.ts'
import { invoicePdf, sendPdf, statementPdfDocument } from './pdf-routes.ts'
import { hide, IdParams, money, PanelQuery, plainNumber, text, type Id, type Query } from './page-helpers.ts'

const VIEWS = 'core/finance/views'
const fmt = { money, plainNumber }

/** Whether the portal's invoice PDF route exists; set by the PDF routes when they register. */
export const portalPdf = { invoices: false, statement: false }

/** The signed-in customer, as an actor whose lookups can only ever reach their own records. */
function own(request: FastifyRequest) {
  const actor = portalActor(request)
  return { actor, customerId: actor.customerId }
}

/** A document of another customer is simply not found. */
function mine<T extends { customerId: number }>(row: T, customerId: number, entity: string, id: number): T {
  if (row.customerId !== customerId) throw new NotFoundError(entity, id)
  return row
}

/** The customer's own invoices, payments (receipts) and statement in the portal. */
export async function documentPortalRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get<{ Querystring: Query }>('/invoices', { schema: { hide, querystring: PanelQuery } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    const page = Number(text(request.query, 'page') ?? '1')
    const [list, balance, core] = await Promise.all([
      listInvoices(ctx.db, actor, { customerId, page: Number.isInteger(page) && page > 0 ? page : 1, perPage: 25 }),
      customerBalance(ctx.db, customerId),
      coreSettings(ctx.db),
    ])
    return render(reply, `${VIEWS}/portal-invoices.eta`, {
      title: 'My invoices',
      page: { ...list, items: list.items.map(invoiceOut) },
      balance: balance.toFixed(),
      balanceNegative: balance.isNeg(),
      currency: core.currency,
      fmt,
    })
  })

  app.get<Id>('/invoices/:id', { schema: { hide, params: IdParams } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    const detail = await invoiceDetail(ctx.db, actor, request.params.id)
    mine(detail.invoice, customerId, 'Invoice', request.params.id)
    return render(reply, `${VIEWS}/portal-invoice.eta`, {
      title: `Invoice ${detail.invoice.number}`,
      detail,
      due: invoiceOut(detail.invoice).due,
      pdf: portalPdf.invoices,
      fmt,
    })
  })

  portalPdf.invoices = true
  portalPdf.statement = true

  app.get<Id>('/invoices/:id/pdf', { schema: { hide, params: IdParams } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    const detail = mine((await invoiceDetail(ctx.db, actor, request.params.id)).invoice, customerId, 'Invoice', request.params.id)
    const doc = await invoicePdf(ctx.db, actor, detail.id)
    return sendPdf(reply, doc, `${doc.kind}-${doc.number}`)
  })

  app.get<{ Querystring: Query }>('/statement/pdf', { schema: { hide, querystring: PanelQuery } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    const period = statementPeriod({ from: text(request.query, 'from'), to: text(request.query, 'to') }, ctx.clock.today().toString())
    const doc = await statementPdfDocument(ctx.db, actor, customerId, period)
    return sendPdf(reply, doc, `statement-${doc.number}`)
  })

  app.get<{ Querystring: Query }>('/payments', { schema: { hide, querystring: PanelQuery } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    const page = Number(text(request.query, 'page') ?? '1')
    const list = await listPayments(ctx.db, actor, { customerId, page: Number.isInteger(page) && page > 0 ? page : 1, perPage: 25 })
    return render(reply, `${VIEWS}/portal-payments.eta`, { title: 'My payments', page: list, fmt })
  })

  app.get<Id>('/payments/:id/receipt', { schema: { hide, params: IdParams } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    mine(await loadPayment(ctx.db, actor, request.params.id), customerId, 'Payment', request.params.id)
    return render(reply, `${VIEWS}/receipt.eta`, await receiptData(ctx.db, actor, request.params.id))
  })

  app.get<{ Querystring: Query }>('/statement', { schema: { hide, querystring: PanelQuery } }, async (request, reply) => {
    const { actor, customerId } = own(request)
    const today = ctx.clock.today().toString()
    let period: { from: string; to: string }
    try {
      period = statementPeriod({ from: text(request.query, 'from'), to: text(request.query, 'to') }, today)
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      flash(reply, 'error', err.message)
      period = statementPeriod({}, today)
    }
    const statement = await customerStatement(ctx.db, actor, customerId, period)
    if (text(request.query, 'format') === 'csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="statement-${period.from}-${period.to}.csv"`)
        .send(statementCsv(statement))
    }
    return render(reply, `${VIEWS}/portal-statement.eta`, { title: 'My statement', statement, pdf: portalPdf.statement, fmt })
  })
}
