/**
 * The online sessions page, live: the rows, re-fetched by the page's script when the `radius.sessions`
 * topic of the panel's WebSocket hub (/admin/ws) moves. The hub polls the database (sessions recorded
 * by any node) and is nudged at once when this node's accounting store commits.
 */
import { readFileSync } from 'node:fs'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Sql } from 'postgres'
import { type PluginContext, render, Type } from '../../../core/plugin-api.ts'
import { PERMISSIONS } from '../permissions.ts'
import { onlineSummary, SESSIONS_TOPIC } from '../service/live-sessions.ts'
import { listSessions } from '../service/sessions.ts'
import type { RadiusState } from '../state.ts'
import { partnersOf } from './api.ts'

const VIEWS = 'plugins/radius/views'
const hide = true
const PER_PAGE = 50
/** How often the hub re-reads the sessions while a page watches (other nodes' accounting). */
const POLL_MS = 2000
/** How often this node's accounting store is checked for new commits. */
const WATCH_MS = 200
const SessionsQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  history: Type.Optional(Type.Boolean()),
})
type SessionsQuery = { q?: string; page?: number; history?: boolean }

const partnerScope = (ids: number[] | null) =>
  ids === null ? 'all' : [...ids].sort((a, b) => a - b).join(',')

export async function sessionsLive(
  root: FastifyInstance,
  ctx: PluginContext,
  state: RadiusState,
): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const sql = ctx.sql as Sql
  const script = readFileSync(new URL('../views/sessions-live.js', import.meta.url), 'utf8')

  app.live.define({
    name: SESSIONS_TOPIC,
    permission: PERMISSIONS.sessionsView,
    intervalMs: POLL_MS,
    scope: (admin) => partnerScope(admin.partnerIds),
    load: (admin) => onlineSummary(sql, admin.partnerIds),
  })
  let committed = -1
  const watcher = setInterval(() => {
    const transactions = state.runtime?.accounting.stats.transactions ?? -1
    if (transactions === committed) return
    committed = transactions
    app.live.refreshSoon(SESSIONS_TOPIC, 20)
  }, WATCH_MS)
  watcher.unref()
  app.addHook('onClose', async () => clearInterval(watcher))

  const results = async (request: FastifyRequest<{ Querystring: SessionsQuery }>) => {
    const page = request.query.page ?? 1
    const history = request.query.history === true
    const result = await listSessions(sql, {
      q: request.query.q,
      online: !history,
      partnerIds: partnersOf(request),
      limit: PER_PAGE,
      offset: (page - 1) * PER_PAGE,
    })
    return {
      ...result,
      history,
      page,
      perPage: PER_PAGE,
      canKick: request.admin!.permissions.has(PERMISSIONS.sessionsDisconnect),
    }
  }

  app.get(
    '/admin/radius/sessions',
    { config: { permission: PERMISSIONS.sessionsView }, schema: { hide, querystring: SessionsQuery } },
    async (request, reply) => {
      const data = await results(request)
      const { version } = await onlineSummary(sql, partnersOf(request))
      return render(reply, `${VIEWS}/sessions.eta`, {
        title: data.history ? 'Session history' : 'Online sessions',
        ...data,
        liveTopic: SESSIONS_TOPIC,
        version,
        scripts: ['/admin/radius/sessions/live.js'],
      })
    },
  )

  /** The rows (with count and pages) for the page's script. */
  app.get(
    '/admin/radius/sessions/rows',
    { config: { permission: PERMISSIONS.sessionsView }, schema: { hide, querystring: SessionsQuery } },
    async (request, reply) => render(reply, `${VIEWS}/sessions-results.eta`, await results(request)),
  )

  app.get(
    '/admin/radius/sessions/live.js',
    { config: { permission: PERMISSIONS.sessionsView }, schema: { hide } },
    async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script),
  )
}
