import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ValidationError } from '../kernel/errors.ts'
import { Type, type Static } from 'typebox'
import { dec } from '../kernel/money.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { actorFromRequest } from '../partners/scope.ts'
import * as S from './api-schemas.ts'
import { mikrotikRateLimit } from './rate-limit.ts'
import { createPlan, getPlan, listPlans, updatePlan, type Plan } from './service.ts'
import {
  createTaxRate,
  deleteTaxRate,
  getTaxRate,
  listTaxRates,
  updateTaxRate,
  type TaxRate,
} from './tax-rates.ts'

/** Decimal columns without the padding of numeric(18,4): "200.0000" -> "200". */
const plain = (v: string | null) => (v === null ? null : dec(v).toFixed())

function planOut(p: Plan) {
  return {
    ...p,
    price: plain(p.price)!,
    voiceMarkupPercent: plain(p.voiceMarkupPercent),
    activationFee: plain(p.activationFee),
    earlyCancellationFee: plain(p.earlyCancellationFee),
    ...(p.type === 'internet' && p.downloadKbps && p.uploadKbps
      ? {
          mikrotikRateLimit: mikrotikRateLimit({
            ...p,
            downloadKbps: p.downloadKbps,
            uploadKbps: p.uploadKbps,
          }),
        }
      : {}),
  }
}
const taxOut = (t: TaxRate) => ({ ...t, ratePercent: plain(t.ratePercent)! })

/**
 * The schema compiler coerces a JSON number into a string, so 0.1 + 0.2-style values would slip in
 * as money; this runs before validation and refuses numbers where decimal strings belong.
 */
function decimalStringsOnly(fields: string[], nested: Record<string, string[]> = {}) {
  return async (request: FastifyRequest) => {
    const body = request.body as Record<string, unknown> | null
    if (!body || typeof body !== 'object') return
    const bad = fields.filter((f) => typeof body[f] === 'number')
    for (const [list, inner] of Object.entries(nested)) {
      const items = body[list]
      if (!Array.isArray(items)) continue
      items.forEach((item, i) => {
        for (const f of inner)
          if (typeof (item as Record<string, unknown>)?.[f] === 'number') bad.push(`${list}.${i}.${f}`)
      })
    }
    if (bad.length) {
      throw new ValidationError(
        bad.map((field) => ({
          field,
          message: 'must be a decimal string such as "19.99", not a JSON number',
        })),
      )
    }
  }
}
const planDecimals = decimalStringsOnly(
  ['price', 'voiceMarkupPercent', 'activationFee', 'earlyCancellationFee'],
  { topUps: ['price'] },
)
const taxDecimals = decimalStringsOnly(['ratePercent'])

/** /api/v1/plans and /api/v1/tax-rates. */
export async function planApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['plans']
  app.get<{ Querystring: Static<typeof S.PlanListQuery> }>(
    '/api/v1/plans',
    {
      config: { permission: 'plans.view' },
      schema: { tags, summary: 'List plans', querystring: S.PlanListQuery, response: { 200: S.PlanPage } },
    },
    async (request) => {
      const page = await listPlans(ctx.db, actorFromRequest(request), request.query)
      return { ...page, items: page.items.map(planOut) }
    },
  )
  app.get<{ Params: Static<typeof S.IdParams> }>(
    '/api/v1/plans/:id',
    {
      config: { permission: 'plans.view' },
      schema: { tags, summary: 'One plan', params: S.IdParams, response: { 200: S.Plan } },
    },
    async (request) => planOut(await getPlan(ctx.db, actorFromRequest(request), request.params.id)),
  )
  app.post<{ Body: Static<typeof S.PlanCreate> }>(
    '/api/v1/plans',
    {
      config: { permission: 'plans.manage' },
      preValidation: planDecimals,
      schema: { tags, summary: 'Create a plan', body: S.PlanCreate, response: { 201: S.Plan } },
    },
    async (request, reply) =>
      reply.code(201).send(planOut(await createPlan(ctx.db, ctx, actorFromRequest(request), request.body))),
  )
  app.patch<{ Params: Static<typeof S.IdParams>; Body: Static<typeof S.PlanPatch> }>(
    '/api/v1/plans/:id',
    {
      config: { permission: 'plans.manage' },
      preValidation: planDecimals,
      schema: {
        tags,
        summary: 'Change some fields of a plan (archive it with active: false)',
        params: S.IdParams,
        body: S.PlanPatch,
        response: { 200: S.Plan },
      },
    },
    async (request) =>
      planOut(await updatePlan(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body)),
  )

  const taxTags = ['tax rates']
  app.get<{ Querystring: Static<typeof S.TaxRateListQuery> }>(
    '/api/v1/tax-rates',
    {
      config: { permission: 'plans.view' },
      schema: {
        tags: taxTags,
        summary: 'List tax rates',
        querystring: S.TaxRateListQuery,
        response: { 200: Type.Array(S.TaxRate) },
      },
    },
    async (request) => (await listTaxRates(ctx.db, request.query)).map(taxOut),
  )
  app.get<{ Params: Static<typeof S.IdParams> }>(
    '/api/v1/tax-rates/:id',
    {
      config: { permission: 'plans.view' },
      schema: { tags: taxTags, summary: 'One tax rate', params: S.IdParams, response: { 200: S.TaxRate } },
    },
    async (request) => taxOut(await getTaxRate(ctx.db, request.params.id)),
  )
  app.post<{ Body: Static<typeof S.TaxRateCreate> }>(
    '/api/v1/tax-rates',
    {
      config: { permission: 'taxes.manage' },
      preValidation: taxDecimals,
      schema: {
        tags: taxTags,
        summary: 'Create a tax rate',
        body: S.TaxRateCreate,
        response: { 201: S.TaxRate },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(taxOut(await createTaxRate(ctx.db, ctx.clock, actorFromRequest(request), request.body))),
  )
  app.patch<{ Params: Static<typeof S.IdParams>; Body: Static<typeof S.TaxRatePatch> }>(
    '/api/v1/tax-rates/:id',
    {
      config: { permission: 'taxes.manage' },
      preValidation: taxDecimals,
      schema: {
        tags: taxTags,
        summary: 'Change a tax rate (issued documents keep the rate they were issued with)',
        params: S.IdParams,
        body: S.TaxRatePatch,
        response: { 200: S.TaxRate },
      },
    },
    async (request) =>
      taxOut(
        await updateTaxRate(ctx.db, ctx.clock, actorFromRequest(request), request.params.id, request.body),
      ),
  )
  app.delete<{ Params: Static<typeof S.IdParams> }>(
    '/api/v1/tax-rates/:id',
    {
      config: { permission: 'taxes.manage' },
      schema: {
        tags: taxTags,
        summary: 'Delete an unused tax rate',
        params: S.IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await deleteTaxRate(ctx.db, ctx.clock, actorFromRequest(request), request.params.id)
      return reply.code(204).send()
    },
  )
}
