import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import * as S from '../documents/api-schemas.ts'
import { decimalStringsOnly, plainRow } from '../documents/api-out.ts'
import { paymentDetail, listPayments } from './read.ts'
import { recordPayment } from './record.ts'
import { unallocatePayment, voidPayment } from './void.ts'

type Id = { Params: Static<typeof S.IdParams> }

/** /api/v1/payments. */
export async function paymentApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['payments']

  app.get<{ Querystring: Static<typeof S.PaymentQuery> }>(
    '/api/v1/payments',
    { config: { permission: 'finance.view' }, schema: { tags, summary: 'Payments, filtered and paged', querystring: S.PaymentQuery, response: { 200: S.PaymentPage } } },
    async (request) => {
      const page = await listPayments(ctx.db, actorFromRequest(request), request.query)
      return { ...page, items: page.items.map(plainRow) }
    },
  )

  app.get<Id>(
    '/api/v1/payments/:id',
    { config: { permission: 'finance.view' }, schema: { tags, summary: 'One payment with its allocations', params: S.IdParams, response: { 200: S.PaymentDetail } } },
    async (request) => {
      const d = await paymentDetail(ctx.db, actorFromRequest(request), request.params.id)
      return { ...plainRow(d.payment), allocations: d.allocations.map(plainRow) }
    },
  )

  app.post<{ Body: Static<typeof S.PaymentCreate> }>(
    '/api/v1/payments',
    {
      config: { permission: 'payments.manage' },
      preValidation: decimalStringsOnly(['amount']),
      schema: {
        tags,
        summary:
          'Record a payment: allocated to the invoice its reference or amount matches, else the oldest first; the rest stays as credit. With gateway + gatewayReference the same payment twice is recorded once (200 with created=false).',
        body: S.PaymentCreate,
        response: { 200: S.PaymentReply, 201: S.PaymentReply },
      },
    },
    async (request, reply) => {
      const r = await recordPayment(ctx.db, ctx, actorFromRequest(request), request.body)
      return reply.code(r.created ? 201 : 200).send({ ...plainRow(r.payment), allocations: r.allocations.map(plainRow), created: r.created })
    },
  )

  app.post<Id & { Body: Static<typeof S.ReasonBody> }>(
    '/api/v1/payments/:id/void',
    {
      config: { permission: 'payments.manage' },
      schema: { tags, summary: 'Void a payment: ledger correction, allocations taken back', params: S.IdParams, body: S.ReasonBody, response: { 200: S.Payment } },
    },
    async (request) => plainRow(await voidPayment(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body.reason)),
  )

  app.post<Id & { Body: Static<typeof S.UnallocateBody> }>(
    '/api/v1/payments/:id/unallocate',
    {
      config: { permission: 'payments.manage' },
      schema: {
        tags,
        summary: 'Take a payment off one invoice (or all): the money stays as credit on the account',
        params: S.IdParams,
        body: S.UnallocateBody,
        response: { 200: S.UnallocateReply },
      },
    },
    async (request) => ({
      unallocated: await unallocatePayment(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body.invoiceId ?? null),
    }),
  )
}
