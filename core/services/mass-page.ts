import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { and, count, eq, inArray } from 'drizzle-orm'
import { Type, type Static } from 'typebox'
import { customers } from '../customers/schema.ts'
import { ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { actorFromRequest } from '../partners/scope.ts'
import { listPlans } from '../plans/service.ts'
import { massPlanChange } from './plan-change.ts'
import { services } from './schema.ts'
import { LIVE_STATUSES } from './validation.ts'

const FormBody = Type.Record(Type.String(), Type.String())

/** The panel form for moving every live service of one plan to another. */
export async function massPlanChangePage(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const path = '/admin/services/mass-plan-change'

  const show = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors?: Record<string, string>) => {
    const actor = actorFromRequest(request)
    const plans = (await listPlans(ctx.db, actor, { limit: 500 })).items
    const scope = actor.partnerIds === null ? undefined : inArray(customers.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1])
    const counts = await ctx.db
      .select({ planId: services.planId, n: count() })
      .from(services)
      .innerJoin(customers, eq(customers.id, services.customerId))
      .where(and(inArray(services.status, [...LIVE_STATUSES]), scope))
      .groupBy(services.planId)
    const live = Object.fromEntries(counts.map((c) => [c.planId, c.n]))
    return render(reply, 'core/services/views/mass.eta', {
      title: 'Mass plan change',
      values,
      errors,
      fromOptions: plans.map((p) => ({ value: String(p.id), label: `${p.name} (${p.type.replace('_', '-')}): ${live[p.id] ?? 0} live services` })),
      toOptions: plans.filter((p) => p.active).map((p) => ({ value: String(p.id), label: `${p.name} (${p.type.replace('_', '-')})` })),
    })
  }

  app.get(path, { config: { permission: 'services.manage' }, schema: { hide: true } }, async (request, reply) =>
    show(request, reply, { effectiveDate: ctx.clock.today().toString() }),
  )

  app.post<{ Body: Static<typeof FormBody> }>(
    path,
    { config: { permission: 'services.manage' }, schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const b = request.body
      try {
        const out = await massPlanChange(ctx.db, ctx, actorFromRequest(request), {
          fromPlanId: Number(b.fromPlanId),
          toPlanId: Number(b.toPlanId),
          effectiveDate: b.effectiveDate ?? '',
        })
        flash(
          reply,
          'success',
          out.applied
            ? `${out.applied} services moved to the new plan`
            : `${out.services} services will move to the new plan on ${b.effectiveDate}`,
        )
        return reply.redirect(path, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return show(request, reply.code(400), b, fieldErrors(err))
      }
    },
  )
}
