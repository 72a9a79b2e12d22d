import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { sql } from 'drizzle-orm'
import type { AdminPrincipal } from '../kernel/auth-types.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { render } from '../kernel/views.ts'
import { barChart, monthLabel } from './chart.ts'
import { dashboardCounters, newCustomersPerMonth } from './counters.ts'
import { recentCustomers } from './recent.ts'
import { SIGNED_IN } from '../admins/permissions.ts'

export const COUNTERS_TOPIC = 'dashboard.counters'
/** How often the counters are re-read while a dashboard is open. */
export const COUNTERS_INTERVAL_MS = 3000

const partnerScope = (admin: AdminPrincipal) => (admin.partnerIds === null ? 'all' : [...admin.partnerIds].sort((a, b) => a - b).join(','))

const HealthReply = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  db: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
})

/** The dashboard page, its live counters over /admin/ws, and the health check. */
export async function dashboardRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const countersFor = (admin: AdminPrincipal) =>
    dashboardCounters(ctx.db, { partnerIds: admin.partnerIds, now: ctx.clock.now() })

  app.live.define({
    name: COUNTERS_TOPIC,
    permission: 'dashboard.view',
    intervalMs: COUNTERS_INTERVAL_MS,
    scope: partnerScope,
    load: countersFor,
  })

  // Job runs starting and ending change "jobs running": push that without waiting for the next poll.
  const onJobUpdate = () => app.live.refreshSoon(COUNTERS_TOPIC)
  app.scheduler?.on('update', onJobUpdate)
  app.addHook('onClose', async () => {
    app.scheduler?.off('update', onJobUpdate)
  })

  app.get(
    '/admin',
    {
      config: { permission: 'dashboard.view' },
      schema: { hide: true },
    },
    async (request, reply) => {
      const admin = request.admin!
      const counters = await countersFor(admin)
      const perMonth = await newCustomersPerMonth(ctx.db, { today: ctx.clock.today(), partnerIds: admin.partnerIds })
      const recent = admin.permissions.has('customers.view') ? await recentCustomers(ctx.db, { partnerIds: admin.partnerIds, limit: 8 }) : null
      const chart = barChart(
        perMonth.map((m) => ({ label: monthLabel(m.month), shortLabel: monthLabel(m.month).charAt(0), title: `${monthLabel(m.month, true)}: ${m.count} new`, value: m.count })),
        { label: 'New customers per month, last 12 months' },
      )
      const newThisMonth = perMonth.at(-1)?.count ?? 0
      return render(reply, 'ui/views/pages/dashboard/index.eta', {
        title: 'Dashboard',
        counters,
        chart,
        newThisMonth,
        newLastYear: perMonth.reduce((sum, m) => sum + m.count, 0),
        recent,
        liveTopic: COUNTERS_TOPIC,
        scripts: ['/static/js/live.js'],
      })
    },
  )

  // Any signed-in admin may open the socket: each topic checks its own permission on subscribe.
  app.get('/admin/ws', { websocket: true, config: { permission: SIGNED_IN }, schema: { hide: true } }, (socket, request) => {
    if (!request.admin) {
      socket.close(1008, 'not signed in')
      return
    }
    app.live.attach(socket, request.admin)
  })

  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Health check',
        description: 'Answers 200 when the server and its database respond, 503 otherwise. Needs no API key.',
        security: [],
        response: { 200: HealthReply, 503: HealthReply },
      },
    },
    async (request, reply) => {
      try {
        await ctx.db.execute(sql`select 1`)
        return { status: 'ok' as const, db: 'ok' as const }
      } catch (err) {
        request.log.error({ err }, 'health check: database unreachable')
        return reply.code(503).send({ status: 'error' as const, db: 'error' as const })
      }
    },
  )

  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin'))
}
