import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { AppContext } from '../../kernel/context.ts'
import { ValidationError } from '../../kernel/errors.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { partnerOptions } from '../../partners/service.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { listCollections } from './list.ts'
import { setPromiseToPay } from './promise.ts'

const VIEW = 'finance.view'
const PROMISE = 'payments.manage'
const PER_PAGE = 50
const tags = ['collections']
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
const Money = Type.String()
const NullableDay = Type.Union([Type.String({ format: 'date' }), Type.Null()])

const ListQuery = Type.Object({
  partnerId: Type.Optional(Id),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: PER_PAGE })),
})
const Item = Type.Object({
  customerId: Type.Integer(),
  partnerId: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
  status: Type.String(),
  billingType: Type.String(),
  debt: Money,
  balance: Money,
  overdueInvoices: Type.Integer(),
  oldestDue: NullableDay,
  daysOverdue: Type.Integer(),
  doNotBlockUntil: NullableDay,
  blockedOn: NullableDay,
  nextAction: Type.Union([Type.Literal('block'), Type.Literal('deactivate'), Type.Literal('unblock'), Type.Null()]),
  nextDate: NullableDay,
})
const ListReply = Type.Object({ items: Type.Array(Item), total: Type.Integer(), totalDebt: Money })
const Params = Type.Object({ id: Id })
const PromiseBody = Type.Object({
  doNotBlockUntil: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Last day the customer is not blocked; null withdraws' }),
})
const PromiseForm = Type.Object({ doNotBlockUntil: Type.Optional(Type.String({ maxLength: 10 })), _csrf: Type.Optional(Type.String()) })
const PromiseReply = Type.Object({
  customerId: Type.Integer(),
  doNotBlockUntil: NullableDay,
  action: Type.Union([Type.String(), Type.Null()]),
})

/** Collections: the debtors page with "do not block until", and its API. */
export async function collectionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const today = () => ctx.clock.today().toString()

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/collections',
    {
      config: { permission: VIEW },
      schema: { tags, summary: 'Customers who are overdue or blocked, with the next collection step', querystring: ListQuery, response: { 200: ListReply } },
    },
    async (request) => {
      const limit = request.query.limit ?? PER_PAGE
      return listCollections(ctx.db, today(), {
        partnerIds: actorFromRequest(request).partnerIds,
        partnerId: request.query.partnerId,
        limit,
        offset: ((request.query.page ?? 1) - 1) * limit,
      })
    },
  )

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof PromiseBody> }>(
    '/api/v1/collections/:id/promise-to-pay',
    {
      config: { permission: PROMISE },
      schema: { tags, summary: 'Do not block the customer until a day (promise to pay); null withdraws', params: Params, body: PromiseBody, response: { 200: PromiseReply } },
    },
    async (request) => {
      const { id } = request.params
      const d = await setPromiseToPay(ctx.db, ctx, actorFromRequest(request), id, request.body.doNotBlockUntil, today())
      return { customerId: id, doNotBlockUntil: request.body.doNotBlockUntil, action: d?.action ?? null }
    },
  )

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/admin/finance/collections',
    { config: { permission: VIEW }, schema: { hide: true, querystring: ListQuery } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const page = request.query.page ?? 1
      const list = await listCollections(ctx.db, today(), {
        partnerIds: actor.partnerIds,
        partnerId: request.query.partnerId,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
      })
      return render(reply, 'core/finance/views/collections/list.eta', {
        title: 'Collections',
        list,
        page,
        perPage: PER_PAGE,
        today: today(),
        partners: await partnerOptions(ctx.db, actor),
        canPromise: request.admin?.permissions.has(PROMISE) ?? false,
      })
    },
  )

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof PromiseForm> }>(
    '/admin/finance/collections/:id/promise',
    { config: { permission: PROMISE }, schema: { hide: true, params: Params, body: PromiseForm } },
    async (request, reply) => {
      const until = request.body.doNotBlockUntil?.trim() || null
      try {
        const d = await setPromiseToPay(ctx.db, ctx, actorFromRequest(request), request.params.id, until, today())
        flash(
          reply,
          'success',
          until
            ? `Customer ${request.params.id} will not be blocked until ${until}${d?.action === 'unblock' ? ' (unblocked now)' : ''}`
            : `Promise to pay of customer ${request.params.id} withdrawn`,
        )
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        flash(
          reply,
          'error',
          Object.entries(fieldErrors(err))
            .map(([field, message]) => `${field === 'doNotBlockUntil' ? 'Do not block until' : field} ${message}`)
            .join('; ') || err.message,
        )
      }
      return reply.redirect('/admin/finance/collections', 303)
    },
  )
}
