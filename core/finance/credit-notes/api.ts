import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import * as S from '../documents/api-schemas.ts'
import { decimalStringsOnly, plainRow } from '../documents/api-out.ts'
import { issueCreditNote } from './issue.ts'
import { creditNoteDetail, listCreditNotes } from './read.ts'
import { voidCreditNote } from './void.ts'

type Id = { Params: Static<typeof S.IdParams> }

/** /api/v1/credit-notes. */
export async function creditNoteApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['credit notes']

  app.get<{ Querystring: Static<typeof S.CreditNoteQuery> }>(
    '/api/v1/credit-notes',
    { config: { permission: 'finance.view' }, schema: { tags, summary: 'Credit notes, filtered and paged', querystring: S.CreditNoteQuery, response: { 200: S.CreditNotePage } } },
    async (request) => {
      const page = await listCreditNotes(ctx.db, actorFromRequest(request), request.query)
      return { ...page, items: page.items.map(plainRow) }
    },
  )

  app.get<Id>(
    '/api/v1/credit-notes/:id',
    { config: { permission: 'finance.view' }, schema: { tags, summary: 'One credit note with its lines and taxes', params: S.IdParams, response: { 200: S.CreditNoteDetail } } },
    async (request) => {
      const d = await creditNoteDetail(ctx.db, actorFromRequest(request), request.params.id)
      return { ...plainRow(d.creditNote), items: d.items.map(plainRow), taxes: d.taxes.map(plainRow) }
    },
  )

  app.post<{ Body: Static<typeof S.CreditNoteCreate> }>(
    '/api/v1/credit-notes',
    {
      config: { permission: 'credit_notes.manage' },
      preValidation: decimalStringsOnly(['amount'], { items: ['amount'], lines: ['amount'] }),
      schema: {
        tags,
        summary: 'Issue a credit note against an invoice (items or a partial amount, never more than is creditable) or against the account (lines)',
        body: S.CreditNoteCreate,
        response: { 201: S.CreditNote },
      },
    },
    async (request, reply) => reply.code(201).send(plainRow(await issueCreditNote(ctx.db, ctx, actorFromRequest(request), request.body))),
  )

  app.post<Id & { Body: Static<typeof S.ReasonBody> }>(
    '/api/v1/credit-notes/:id/void',
    {
      config: { permission: 'credit_notes.manage' },
      schema: {
        tags,
        summary: 'Void: keeps the number, corrects the ledger, takes its credit back from the invoices it settled; refused (409) once refunded',
        params: S.IdParams,
        body: S.ReasonBody,
        response: { 200: S.CreditNote },
      },
    },
    async (request) => plainRow(await voidCreditNote(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body.reason)),
  )
}
