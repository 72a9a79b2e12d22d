import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { DbOrTx } from '../../db/client.ts'
import { ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { partnerOptions } from '../partners/service.ts'
import { actorFromRequest, type Actor } from '../partners/scope.ts'
import { checkPlanInput } from './check-plan.ts'
import { fairUsageToText, planInputFromForm, topUpsToText, type FormBody } from './form.ts'
import { mikrotikRateLimit } from './rate-limit.ts'
import { createPlan, getPlan, listPlans, updatePlan, type Plan } from './service.ts'
import { listTaxRates } from './tax-rates.ts'
import { PLAN_TYPES, type PlanType } from './validation.ts'

const hide = true
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const Form = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
const ListQuery = Type.Object({
  type: Type.Optional(Type.Union(PLAN_TYPES.map((t) => Type.Literal(t)))),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  archived: Type.Optional(Type.Boolean()),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
})
const NewQuery = Type.Object({ type: Type.Optional(Type.Union(PLAN_TYPES.map((t) => Type.Literal(t)))) })

export const TYPE_LABELS: Record<PlanType, string> = {
  internet: 'Internet',
  voice: 'Voice',
  recurring: 'Recurring',
  one_time: 'One-time',
  bundle: 'Bundles',
}
const PER_PAGE = 50

/** What the form needs besides the values: tax rates, partners, plans a bundle can hold. */
async function formOptions(db: DbOrTx, actor: Actor, type: PlanType) {
  const [rates, partners, bundlable] = await Promise.all([
    listTaxRates(db),
    partnerOptions(db, actor),
    type === 'bundle'
      ? listPlans(db, actor, { active: true, limit: 500 })
      : Promise.resolve({ items: [] as Plan[] }),
  ])
  return {
    taxOptions: rates.map((r) => ({
      value: String(r.id),
      label: `${r.name} (${r.ratePercent.replace(/\.?0+$/, '')} %${r.included ? ', included' : ''})`,
    })),
    partners,
    bundlable: bundlable.items.filter((p) => p.type !== 'bundle' && p.type !== 'one_time'),
  }
}

/** A stored plan as form values (lists in their line format). */
function formValues(plan: Plan): Record<string, unknown> {
  return {
    ...plan,
    price: plan.price.replace(/\.?0+$/, ''),
    topUps: topUpsToText(plan.topUps),
    fairUsage: fairUsageToText(plan.fairUsage),
    items: Object.fromEntries(plan.items.map((i) => [i.planId, i.quantity])),
  }
}

/** Form values echoed back after an error: the raw strings the admin typed. */
function echo(body: FormBody, type: PlanType): Record<string, unknown> {
  const flat = Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? (k === 'partnerIds' ? v : v.at(-1)) : v]),
  )
  const items = Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => k.startsWith('item_'))
      .map(([k, v]) => [Number(k.slice(5)), Array.isArray(v) ? v.at(-1) : v]),
  )
  const partnerIds = ([] as string[]).concat(body['partnerIds'] ?? []).map(Number)
  return {
    ...flat,
    type,
    items,
    partnerIds,
    active: flat['active'] === 'true',
    allPartners: flat['allPartners'] === 'true',
  }
}

/** Panel: plans by type, create and edit. */
export async function planPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/admin/plans',
    { config: { permission: 'plans.view' }, schema: { hide, querystring: ListQuery } },
    async (request, reply) => {
      const type = request.query.type ?? 'internet'
      const page = request.query.page ?? 1
      const archived = request.query.archived ?? false
      const result = await listPlans(ctx.db, actorFromRequest(request), {
        type,
        active: !archived,
        q: request.query.q,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
      })
      const rates = new Map((await listTaxRates(ctx.db)).map((r) => [r.id, r.name]))
      return render(reply, 'core/plans/views/list.eta', {
        title: `${TYPE_LABELS[type]} plans`,
        type,
        archived,
        typeLabels: TYPE_LABELS,
        plans: result.items.map((p) => ({
          ...p,
          taxName: p.taxRateId ? rates.get(p.taxRateId) : null,
          rateLimit:
            p.type === 'internet' && p.downloadKbps && p.uploadKbps
              ? mikrotikRateLimit({ ...p, downloadKbps: p.downloadKbps, uploadKbps: p.uploadKbps })
              : null,
        })),
        total: result.total,
        page,
        perPage: PER_PAGE,
        canManage: request.admin?.permissions.has('plans.manage') ?? false,
      })
    },
  )

  app.get<{ Querystring: Static<typeof NewQuery> }>(
    '/admin/plans/new',
    { config: { permission: 'plans.manage' }, schema: { hide, querystring: NewQuery } },
    async (request, reply) => {
      const type = request.query.type ?? 'internet'
      return render(reply, 'core/plans/views/form.eta', {
        title: `New ${TYPE_LABELS[type].toLowerCase()} plan`,
        action: `/admin/plans?type=${type}`,
        type,
        values: { type, active: true, allPartners: true, priority: 8, partnerIds: [], items: {} },
        ...(await formOptions(ctx.db, actorFromRequest(request), type)),
      })
    },
  )

  app.post<{ Querystring: Static<typeof NewQuery>; Body: FormBody }>(
    '/admin/plans',
    { config: { permission: 'plans.manage' }, schema: { hide, querystring: NewQuery, body: Form } },
    async (request, reply) => {
      const type = request.query.type ?? 'internet'
      const actor = actorFromRequest(request)
      const { input, errors } = planInputFromForm(request.body, type)
      try {
        if (errors.length) throw new ValidationError([...errors, ...checkPlanInput(input).errors])
        const plan = await createPlan(ctx.db, ctx, actor, input)
        flash(reply, 'success', `Plan ${plan.name} created`)
        return reply.redirect(`/admin/plans?type=${type}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), 'core/plans/views/form.eta', {
          title: `New ${TYPE_LABELS[type].toLowerCase()} plan`,
          action: `/admin/plans?type=${type}`,
          type,
          values: echo(request.body, type),
          errors: fieldErrors([...errors, ...err.fields.filter((f) => !errors.includes(f))]),
          ...(await formOptions(ctx.db, actor, type)),
        })
      }
    },
  )

  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/plans/:id/edit',
    { config: { permission: 'plans.manage' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const plan = await getPlan(ctx.db, actor, request.params.id)
      return render(reply, 'core/plans/views/form.eta', {
        title: `Plan ${plan.name}`,
        action: `/admin/plans/${plan.id}`,
        type: plan.type,
        plan,
        values: formValues(plan),
        ...(await formOptions(ctx.db, actor, plan.type)),
      })
    },
  )

  app.post<{ Params: Static<typeof IdParams>; Body: FormBody }>(
    '/admin/plans/:id',
    { config: { permission: 'plans.manage' }, schema: { hide, params: IdParams, body: Form } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const plan = await getPlan(ctx.db, actor, request.params.id)
      const { input, errors } = planInputFromForm(request.body, plan.type)
      try {
        if (errors.length) throw new ValidationError([...errors, ...checkPlanInput(input).errors])
        await updatePlan(ctx.db, ctx, actor, plan.id, input)
        flash(reply, 'success', 'Plan saved')
        return reply.redirect(`/admin/plans?type=${plan.type}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), 'core/plans/views/form.eta', {
          title: `Plan ${plan.name}`,
          action: `/admin/plans/${plan.id}`,
          type: plan.type,
          plan,
          values: echo(request.body, plan.type),
          errors: fieldErrors([...errors, ...err.fields.filter((f) => !errors.includes(f))]),
          ...(await formOptions(ctx.db, actor, plan.type)),
        })
      }
    },
  )
}
