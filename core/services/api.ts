import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static, type TSchema } from 'typebox'
import { ValidationError } from '../kernel/errors.ts'
import { dec } from '../kernel/money.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { actorFromRequest } from '../partners/scope.ts'
import type { Service } from './access.ts'
import * as S from './api-schemas.ts'
import { cancelPlanChange, massPlanChange, schedulePlanChange } from './plan-change.ts'
import {
  changeServiceStatus,
  createService,
  endService,
  getService,
  getServicePassword,
  listServices,
  updateService,
} from './service.ts'

const plain = (v: string | null) => (v === null ? null : dec(v).toFixed())

/** Decimal columns without numeric(18,4) padding: "1.0000" -> "1". */
export function serviceOut(s: Service) {
  return {
    ...s,
    quantity: plain(s.quantity)!,
    unitPrice: plain(s.unitPrice),
    discountPercent: plain(s.discountPercent)!,
  }
}

/** JSON numbers where decimal strings belong would let binary floating point into money. */
async function decimalStringsOnly(request: FastifyRequest) {
  const body = request.body as Record<string, unknown> | null
  if (!body || typeof body !== 'object') return
  const bad = ['quantity', 'unitPrice', 'discountPercent'].filter((f) => typeof body[f] === 'number')
  if (bad.length)
    throw new ValidationError(
      bad.map((field) => ({ field, message: 'must be a decimal string such as "19.99", not a JSON number' })),
    )
}

/** /api/v1/customers/:id/services, /api/v1/services/... */
export async function serviceApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['services']
  type Id = { Params: Static<typeof S.IdParams> }

  app.get<Id & { Querystring: Static<typeof S.ListQuery> }>(
    '/api/v1/customers/:id/services',
    {
      config: { permission: 'services.view' },
      schema: {
        tags,
        summary: "A customer's services",
        params: S.IdParams,
        querystring: S.ListQuery,
        response: { 200: Type.Array(S.Service) },
      },
    },
    async (request) =>
      (await listServices(ctx.db, actorFromRequest(request), request.params.id, request.query)).map(
        serviceOut,
      ),
  )

  app.post<Id & { Body: Static<typeof S.ServiceCreate> }>(
    '/api/v1/customers/:id/services',
    {
      config: { permission: 'services.manage' },
      preValidation: decimalStringsOnly,
      schema: {
        tags,
        summary: 'Add a service to a customer',
        params: S.IdParams,
        body: S.ServiceCreate,
        response: { 201: S.Service },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          serviceOut(
            await createService(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body),
          ),
        ),
  )

  app.post<{ Body: Static<typeof S.MassPlanChangeBody> }>(
    '/api/v1/services/mass-plan-change',
    {
      config: { permission: 'services.manage' },
      schema: {
        tags,
        summary: 'Move every live service of one plan to another from a date',
        body: S.MassPlanChangeBody,
        response: { 200: S.MassPlanChangeReply },
      },
    },
    async (request) => massPlanChange(ctx.db, ctx, actorFromRequest(request), request.body),
  )

  app.get<Id>(
    '/api/v1/services/:id',
    {
      config: { permission: 'services.view' },
      schema: { tags, summary: 'One service', params: S.IdParams, response: { 200: S.Service } },
    },
    async (request) => serviceOut(await getService(ctx.db, actorFromRequest(request), request.params.id)),
  )

  app.patch<Id & { Body: Static<typeof S.ServicePatch> }>(
    '/api/v1/services/:id',
    {
      config: { permission: 'services.manage' },
      preValidation: decimalStringsOnly,
      schema: {
        tags,
        summary: 'Change some fields of a service (a new planId changes the plan from today)',
        params: S.IdParams,
        body: S.ServicePatch,
        response: { 200: S.Service },
      },
    },
    async (request) =>
      serviceOut(
        await updateService(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body),
      ),
  )

  /** POST /api/v1/services/:id/<action>: a change of state under services.manage that answers the service. */
  const action = <B extends TSchema>(
    name: string,
    summary: string,
    body: B,
    run: (actor: ReturnType<typeof actorFromRequest>, id: number, body: Static<B>) => Promise<Service>,
  ) =>
    app.post<Id & { Body: Static<B> }>(
      `/api/v1/services/:id/${name}`,
      {
        config: { permission: 'services.manage' },
        schema: { tags, summary, params: S.IdParams, body, response: { 200: S.Service } },
      },
      async (request) =>
        serviceOut(await run(actorFromRequest(request), request.params.id, request.body as Static<B>)),
    )

  action(
    'status',
    'Change the status (archived is final; stopped only from active or disabled)',
    S.StatusBody,
    (actor, id, body) => changeServiceStatus(ctx.db, ctx, actor, id, body.status),
  )
  action(
    'end',
    'End the service on a date (stopped at once when the date is today or past)',
    S.EndBody,
    (actor, id, body) => endService(ctx.db, ctx, actor, id, body.endDate),
  )
  action(
    'plan-change',
    'Schedule a change to another plan of the same type (applied at once when effective today)',
    S.PlanChangeBody,
    (actor, id, body) => schedulePlanChange(ctx.db, ctx, actor, id, body),
  )

  app.delete<Id>(
    '/api/v1/services/:id/plan-change',
    {
      config: { permission: 'services.manage' },
      schema: {
        tags,
        summary: 'Drop the scheduled plan change',
        params: S.IdParams,
        response: { 200: S.Service },
      },
    },
    async (request) =>
      serviceOut(await cancelPlanChange(ctx.db, ctx, actorFromRequest(request), request.params.id)),
  )

  app.get<Id>(
    '/api/v1/services/:id/password',
    {
      config: { permission: 'services.password.view' },
      schema: {
        tags,
        summary: 'The clear-text password of an internet service',
        params: S.IdParams,
        response: { 200: S.PasswordReply },
      },
    },
    async (request) => ({
      password: await getServicePassword(ctx.db, ctx, actorFromRequest(request), request.params.id),
    }),
  )
}
