import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type, type Static } from 'typebox'
import { ValidationError } from '../../kernel/errors.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { fieldErrors, render } from '../../kernel/views.ts'
import { plans } from '../../plans/schema.ts'
import { Line } from './api-schemas.ts'
import type { BillingTypeName } from './charges.ts'
import { MAX_CUSTOMERS, MAX_MONTHS, timeTravel, type TimeTravelInput } from './time-travel.ts'

const VIEW = 'core/finance/views/billing/time-travel.eta'
const permission = { permission: 'billing.time_travel' }
const TYPES = ['recurring_postpaid', 'recurring_prepaid', 'prepaid_daily', 'prepaid_monthly'] as const

const Body = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10, description: "First run date, YYYY-MM-DD; default today on the server's clock" })),
  months: Type.Integer({ minimum: 1, maximum: MAX_MONTHS }),
  customerIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MAX_CUSTOMERS })),
  hypothetical: Type.Optional(
    Type.Object({
      planId: Type.Integer({ minimum: 1 }),
      billingType: Type.Union(TYPES.map((t) => Type.Literal(t))),
      billingDay: Type.Integer({ description: '1 to 28' }),
      periodsAhead: Type.Optional(Type.Integer()),
      quantity: Type.Optional(Type.String({ maxLength: 30 })),
    }),
  ),
})
const Reply = Type.Array(
  Type.Object({
    runDate: Type.String(),
    total: Type.String(),
    customers: Type.Array(
      Type.Object({ customerId: Type.Integer(), name: Type.String(), net: Type.String(), tax: Type.String(), total: Type.String(), lines: Type.Array(Line) }),
    ),
  }),
)
const Form = Type.Object({
  _csrf: Type.Optional(Type.String()),
  from: Type.String({ maxLength: 20 }),
  months: Type.String({ maxLength: 5 }),
  customerIds: Type.Optional(Type.String({ maxLength: 5000 })),
  planId: Type.Optional(Type.String({ maxLength: 12 })),
  billingType: Type.Optional(Type.String({ maxLength: 30 })),
  billingDay: Type.Optional(Type.String({ maxLength: 5 })),
  periodsAhead: Type.Optional(Type.String({ maxLength: 5 })),
})

/** Finance > Time travel (panel) and POST /api/v1/billing/time-travel. */
export async function timeTravelRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const page = async (reply: FastifyReply, values: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    render(reply, VIEW, {
      title: 'Time travel',
      values,
      errors: {},
      plans: await ctx.db.select({ id: plans.id, name: plans.name, type: plans.type, price: plans.price }).from(plans).orderBy(plans.name),
      billingTypes: TYPES.map((t) => ({ value: t, label: t.replace('_', ' ') })),
      ...extra,
    })

  app.get('/admin/finance/time-travel', { config: permission, schema: { hide: true } }, async (_request, reply) =>
    page(reply, { from: ctx.clock.today().toString(), months: '3', billingType: 'recurring_postpaid', billingDay: '1', periodsAhead: '1' }),
  )

  app.post<{ Body: Static<typeof Form> }>('/admin/finance/time-travel', { config: permission, schema: { hide: true, body: Form } }, async (request, reply) => {
    const b = request.body
    const input: TimeTravelInput = {
      from: b.from.trim(),
      months: Number(b.months),
      customerIds: (b.customerIds ?? '').split(/[\s,]+/).filter(Boolean).map(Number),
      hypothetical: b.planId
        ? {
            planId: Number(b.planId),
            billingType: (TYPES as readonly string[]).includes(b.billingType ?? '') ? (b.billingType as BillingTypeName) : 'recurring_postpaid',
            billingDay: Number(b.billingDay ?? 1),
            periodsAhead: Number(b.periodsAhead || 1),
          }
        : null,
    }
    try {
      return await page(reply, b, { months: await timeTravel(ctx.db, input) })
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      reply.code(400)
      return page(reply, b, { errors: fieldErrors(err) })
    }
  })

  app.post<{ Body: Static<typeof Body> }>(
    '/api/v1/billing/time-travel',
    {
      config: permission,
      schema: {
        tags: ['billing'],
        summary: 'What customers (or a hypothetical one on a plan) would be billed month by month, computed in a rolled-back sandbox',
        body: Body,
        response: { 200: Reply },
      },
    },
    async (request) => timeTravel(ctx.db, { ...request.body, from: request.body.from ?? ctx.clock.today().toString() }),
  )
}
