import { PassThrough } from 'node:stream'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ValidationError } from '../../kernel/errors.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import type { Actor } from '../../partners/scope.ts'
import { creditNotePdf } from '../credit-notes/pages.ts'
import { creditNoteDetail } from '../credit-notes/read.ts'
import { pdfAvailable } from '../invoices/pages.ts'
import { invoiceDetail } from '../invoices/read.ts'
import { safeFileName, writePdfZip } from '../pdf/zip.ts'
import { renderPdf } from '../pdf/render.ts'
import type { PdfDocument } from '../pdf/document.ts'
import { customerStatement, statementPeriod } from '../statement/statement.ts'
import { statementPdf } from './billing-pages.ts'
import { creditNotePdfModel, invoicePdfModel, statementPdfModel } from './pdf-model.ts'
import { FormBody, hide, IdParams, PanelQuery, text, type Form, type Id, type Query } from './page-helpers.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import type { DbOrTx } from '../../../db/client.ts'

/** Most invoices one ZIP request may hold (a page of the list is 25; a select-all of several pages fits). */
export const MAX_ZIP_INVOICES = 2000

export async function sendPdf(reply: FastifyReply, doc: PdfDocument, name: string, inline = true): Promise<FastifyReply> {
  const pdf = await renderPdf(doc)
  return reply
    .type('application/pdf')
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${safeFileName(`${name}.pdf`)}"`)
    .header('cache-control', 'private, no-store')
    .send(pdf)
}

export async function invoicePdf(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<PdfDocument> {
  return invoicePdfModel(await invoiceDetail(db, actor, id))
}

export async function statementPdfDocument(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, customerId: number, period: { from: string; to: string }) {
  return statementPdfModel(db, actor, await customerStatement(db, actor, customerId, period))
}

/** PDFs of invoices, credit notes and statements in the panel (and the invoice PDF in the API), and the ZIP of selected invoices. */
export async function pdfRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  pdfAvailable.invoices = true
  creditNotePdf.available = true
  statementPdf.available = true

  app.get<Id>('/admin/finance/invoices/:id/pdf', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) => {
    const doc = await invoicePdf(ctx.db, actorFromRequest(request), request.params.id)
    return sendPdf(reply, doc, `${doc.kind}-${doc.number}`)
  })

  app.get<Id>(
    '/api/v1/invoices/:id/pdf',
    {
      config: { permission: 'finance.view' },
      schema: { tags: ['invoices'], summary: "The invoice as PDF, in the customer's language", params: IdParams, produces: ['application/pdf'] },
    },
    async (request, reply) => {
      const doc = await invoicePdf(ctx.db, actorFromRequest(request), request.params.id)
      return sendPdf(reply, doc, `${doc.kind}-${doc.number}`, false)
    },
  )

  app.get<Id>('/admin/finance/credit-notes/:id/pdf', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) => {
    const doc = creditNotePdfModel(await creditNoteDetail(ctx.db, actorFromRequest(request), request.params.id))
    return sendPdf(reply, doc, `credit-note-${doc.number}`)
  })

  app.get<Id & { Querystring: Query }>(
    '/admin/customers/:id/statement/pdf',
    { config: { permission: 'finance.view' }, schema: { hide, params: IdParams, querystring: PanelQuery } },
    async (request, reply) => {
      const period = statementPeriod({ from: text(request.query, 'from'), to: text(request.query, 'to') }, ctx.clock.today().toString())
      const doc = await statementPdfDocument(ctx.db, actorFromRequest(request), request.params.id, period)
      return sendPdf(reply, doc, `statement-${doc.number}`)
    },
  )

  app.post<{ Body: Form }>(
    '/admin/finance/invoices/pdf.zip',
    { config: { permission: 'finance.view' }, schema: { hide, body: FormBody } },
    async (request, reply) => {
      const raw = request.body.ids
      const ids = [...new Set((Array.isArray(raw) ? raw : raw ? [raw] : []).filter((v) => /^\d+$/.test(v)).map(Number))]
      if (!ids.length) throw new ValidationError([{ field: 'ids', message: 'select at least one invoice' }])
      if (ids.length > MAX_ZIP_INVOICES) throw new ValidationError([{ field: 'ids', message: `at most ${MAX_ZIP_INVOICES} invoices per ZIP` }])
      const actor = actorFromRequest(request)
      // Every invoice is loaded (and checked against the admin's partners) before the first byte is sent.
      const docs: PdfDocument[] = []
      for (const id of ids) docs.push(await invoicePdf(ctx.db, actor, id))
      const out = new PassThrough()
      writePdfZip(docs, out, { workers: Math.min(2, docs.length) }).catch((err) => {
        request.log.error({ err }, 'invoice ZIP failed')
        out.destroy(err as Error)
      })
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="invoices-${ctx.clock.today().toString()}.zip"`)
        .send(out)
    },
  )
}
