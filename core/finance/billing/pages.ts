import type { FastifyInstance, FastifyRequest } from 'fastify'
import { inArray } from 'drizzle-orm'
import { Type, type Static } from 'typebox'
import type { AdminPrincipal } from '../../kernel/auth-types.ts'
import { ValidationError } from '../../kernel/errors.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { partners } from '../../partners/schema.ts'
import { actorFromRequest, type Actor } from '../../partners/scope.ts'
import { financeSettings } from '../settings.ts'
import { itemOut } from './api.ts'
import { runsProgress } from './progress.ts'
import { cancelRun, confirmRun, createRun, getRun, listRuns, runItems, totalsPerPlan } from './runs.ts'
import { kickBillingJob } from './trigger.ts'

const hide = true
const PER_PAGE = 50
const LIST = 'core/finance/views/billing/runs.eta'
const RUN = 'core/finance/views/billing/run.eta'
export const RUNS_TOPIC = 'billing.runs'

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const PageQuery = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) })
const RunForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  runDate: Type.String({ maxLength: 20 }),
  partnerId: Type.Optional(Type.String({ maxLength: 12 })),
})

/** Finance > Billing runs: list and new-run form, a run's preview (per customer, per plan), confirm, cancel. */
export async function billingRunPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.live.define({
    name: RUNS_TOPIC,
    permission: 'billing.view',
    intervalMs: 1500,
    scope: (admin: AdminPrincipal) => (admin.partnerIds === null ? '*' : admin.partnerIds.join(',')),
    load: async (admin: AdminPrincipal) => ({ runs: await runsProgress(ctx.db, admin.partnerIds) }),
  })

  async function partnerOptions(actor: Actor) {
    const list = await ctx.db
      .select({ id: partners.id, name: partners.name })
      .from(partners)
      .where(actor.partnerIds === null ? undefined : inArray(partners.id, actor.partnerIds.length ? actor.partnerIds : [-1]))
      .orderBy(partners.name)
    return list
  }

  async function listPage(request: FastifyRequest, extra: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}) {
    const actor = actorFromRequest(request)
    const page = (request.query as Static<typeof PageQuery>).page ?? 1
    const { runs, total } = await listRuns(ctx.db, actor, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
    const options = await partnerOptions(actor)
    return {
      title: 'Billing runs',
      runs,
      total,
      page,
      perPage: PER_PAGE,
      progress: await runsProgress(ctx.db, actor.partnerIds),
      partners: options,
      partnerNames: Object.fromEntries(options.map((p) => [p.id, p.name])),
      allPartners: actor.partnerIds === null,
      canRun: request.admin?.permissions.has('billing.run') ?? false,
      autoConfirmDays: (await financeSettings(ctx.db)).autoConfirmDays,
      values: extra.values ?? { runDate: ctx.clock.today().toString() },
      errors: extra.errors ?? {},
      scripts: ['/static/js/live.js'],
    }
  }

  app.get('/admin/finance/billing-runs', { config: { permission: 'billing.view' }, schema: { hide, querystring: PageQuery } }, async (request, reply) =>
    render(reply, LIST, await listPage(request)),
  )

  app.post<{ Body: Static<typeof RunForm> }>(
    '/admin/finance/billing-runs',
    { config: { permission: 'billing.run' }, schema: { hide, body: RunForm } },
    async (request, reply) => {
      try {
        const run = await createRun(ctx.db, ctx.clock, actorFromRequest(request), { runDate: request.body.runDate, partnerId: request.body.partnerId || null })
        await kickBillingJob(app)
        flash(reply, 'success', `Billing run #${run.id} is being previewed`)
        return reply.redirect(`/admin/finance/billing-runs/${run.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), LIST, await listPage(request, { values: request.body, errors: fieldErrors(err) }))
      }
    },
  )

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof PageQuery> }>(
    '/admin/finance/billing-runs/:id',
    { config: { permission: 'billing.view' }, schema: { hide, params: IdParams, querystring: PageQuery } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const run = await getRun(ctx.db, actor, request.params.id)
      const page = request.query.page ?? 1
      const [perPlan, items, progress] = await Promise.all([
        totalsPerPlan(ctx.db, run.id),
        runItems(ctx.db, run.id, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE }),
        runsProgress(ctx.db, actor.partnerIds),
      ])
      return render(reply, RUN, {
        title: `Billing run #${run.id}`,
        run,
        perPlan,
        items: items.items.map(itemOut),
        total: items.total,
        page,
        perPage: PER_PAGE,
        progress: progress[run.id] ?? null,
        canRun: request.admin?.permissions.has('billing.run') ?? false,
        scripts: ['/static/js/live.js'],
      })
    },
  )

  for (const action of ['confirm', 'cancel'] as const) {
    app.post<{ Params: Static<typeof IdParams> }>(
      `/admin/finance/billing-runs/:id/${action}`,
      { config: { permission: 'billing.run' }, schema: { hide, params: IdParams } },
      async (request, reply) => {
        const actor = actorFromRequest(request)
        if (action === 'confirm') {
          await confirmRun(ctx.db, ctx.clock, actor, request.params.id)
          await kickBillingJob(app)
          flash(reply, 'success', `Billing run #${request.params.id} confirmed: its invoices are being issued`)
        } else {
          await cancelRun(ctx.db, ctx.clock, actor, request.params.id)
          flash(reply, 'success', `Billing run #${request.params.id} cancelled`)
        }
        return reply.redirect(`/admin/finance/billing-runs/${request.params.id}`, 303)
      },
    )
  }
}
