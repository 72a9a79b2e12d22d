import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import * as S from '../documents/api-schemas.ts'
import { decimalStringsOnly, invoiceOut, plainRow } from '../documents/api-out.ts'
import { createManualInvoice } from './manual.ts'
import { convertProforma } from './proforma.ts'
import { invoiceDetail, listInvoices, loadInvoice } from './read.ts'
import { refuseInvoiceEdit, voidInvoice } from './void.ts'

type Id = { Params: Static<typeof S.IdParams> }

/** /api/v1/invoices: list, read, create (invoice or proforma), void, convert a proforma; edits are refused. */
export async function invoiceApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['invoices']

  app.get<{ Querystring: Static<typeof S.InvoiceQuery> }>(
    '/api/v1/invoices',
    {
      config: { permission: 'finance.view' },
      schema: { tags, summary: 'Invoices (or proforma invoices with kind=proforma), filtered and paged', querystring: S.InvoiceQuery, response: { 200: S.InvoicePage } },
    },
    async (request) => {
      const page = await listInvoices(ctx.db, actorFromRequest(request), request.query)
      return { ...page, items: page.items.map(invoiceOut) }
    },
  )

  app.get<Id>(
    '/api/v1/invoices/:id',
    { config: { permission: 'finance.view' }, schema: { tags, summary: 'One invoice with its lines, taxes and allocations', params: S.IdParams, response: { 200: S.InvoiceDetail } } },
    async (request) => {
      const d = await invoiceDetail(ctx.db, actorFromRequest(request), request.params.id)
      return {
        ...invoiceOut(d.invoice),
        items: d.items.map(plainRow),
        taxes: d.taxes.map(plainRow),
        allocations: d.allocations.map(plainRow),
        creditNotes: d.creditNotes.map(plainRow),
      }
    },
  )

  app.post<{ Body: Static<typeof S.InvoiceCreate> }>(
    '/api/v1/invoices',
    {
      config: { permission: 'invoices.manage' },
      preValidation: decimalStringsOnly([], { lines: ['quantity', 'unitPrice', 'discountPercent'] }),
      schema: {
        tags,
        summary: 'Issue an invoice or a proforma by hand (lines, or one-time plans by planId)',
        body: S.InvoiceCreate,
        response: { 201: S.Invoice },
      },
    },
    async (request, reply) => reply.code(201).send(invoiceOut(await createManualInvoice(ctx.db, ctx, actorFromRequest(request), request.body))),
  )

  app.patch<Id & { Body: Static<typeof S.InvoicePatch> }>(
    '/api/v1/invoices/:id',
    {
      config: { permission: 'invoices.manage' },
      schema: { tags, summary: 'Always refused (409): issued invoices are immutable; issue a credit note', params: S.IdParams, body: S.InvoicePatch },
    },
    async (request) => refuseInvoiceEdit(await loadInvoice(ctx.db, actorFromRequest(request), request.params.id)),
  )

  app.post<Id & { Body: Static<typeof S.ReasonBody> }>(
    '/api/v1/invoices/:id/void',
    {
      config: { permission: 'invoices.manage' },
      schema: {
        tags,
        summary: 'Void: keeps the number, corrects the ledger; refused while payments or credit notes are applied',
        params: S.IdParams,
        body: S.ReasonBody,
        response: { 200: S.Invoice },
      },
    },
    async (request) => invoiceOut(await voidInvoice(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body.reason)),
  )

  app.post<Id & { Body: Static<typeof S.ConvertBody> }>(
    '/api/v1/invoices/:id/convert',
    {
      config: { permission: 'invoices.manage' },
      schema: { tags, summary: 'Turn a proforma into an invoice (once)', params: S.IdParams, body: S.ConvertBody, response: { 200: S.ConvertReply } },
    },
    async (request) => {
      const { proforma, invoice } = await convertProforma(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body)
      return { proforma: invoiceOut(proforma), invoice: invoiceOut(invoice) }
    },
  )
}
