/** JSON API under /api/v1/radius: NAS registry, sessions (with disconnect), auth log, daily usage, data top-ups. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Sql } from 'postgres'
import {
  auditContext,
  instanceKey,
  NotFoundError,
  type PluginContext,
  Type,
} from '../../../core/plugin-api.ts'
import { buyTopUp } from '../caps/top-up.ts'
import { PERMISSIONS } from '../permissions.ts'
import { disconnectSession } from '../service/kick.ts'
import { createNas, deleteNas, getNas, listNas, type NasDeps, updateNas } from '../service/nas.ts'
import { listAuthLog, listSessions, serviceUsage } from '../service/sessions.ts'
import type { RadiusSettings } from '../settings.ts'
import type { RadiusState } from '../state.ts'
import * as S from './schemas.ts'

const tags = ['radius']

export async function nasDeps(request: FastifyRequest, ctx: PluginContext): Promise<NasDeps> {
  const audit = auditContext(request)
  return { db: ctx.db, key: await instanceKey(ctx), now: audit.at, actor: audit.actor, ip: audit.ip }
}

export const partnersOf = (request: FastifyRequest) => request.admin?.partnerIds ?? null

export async function radiusApi(
  root: FastifyInstance,
  ctx: PluginContext,
  state: RadiusState,
): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const sql = ctx.sql as Sql
  /** The panel's own NAS edits apply at once instead of at the next poll. */
  const applied = async () => {
    await state.runtime?.refresh()
  }

  app.get(
    '/api/v1/radius/nas',
    { config: { permission: PERMISSIONS.nasView }, schema: { tags, response: { 200: Type.Array(S.Nas) } } },
    async (request) => (await listNas(ctx.db, partnersOf(request))).map(S.nasOut),
  )
  app.get(
    '/api/v1/radius/nas/:id',
    {
      config: { permission: PERMISSIONS.nasView },
      schema: { tags, params: S.IdParams, response: { 200: S.Nas } },
    },
    async (request) => S.nasOut(await getNas(ctx.db, request.params.id, partnersOf(request))),
  )
  app.post(
    '/api/v1/radius/nas',
    {
      config: { permission: PERMISSIONS.nasManage },
      schema: { tags, body: S.NasCreate, response: { 201: S.Nas } },
    },
    async (request, reply) => {
      const settings = (await ctx.settings()) as unknown as RadiusSettings
      const input = {
        ...request.body,
        requireMessageAuthenticator:
          request.body.requireMessageAuthenticator ?? settings.security.requireMessageAuthenticator,
      }
      const row = await createNas(await nasDeps(request, ctx), input, partnersOf(request))
      await applied()
      return reply.code(201).send(S.nasOut(row))
    },
  )
  app.patch(
    '/api/v1/radius/nas/:id',
    {
      config: { permission: PERMISSIONS.nasManage },
      schema: { tags, params: S.IdParams, body: S.NasUpdate, response: { 200: S.Nas } },
    },
    async (request) => {
      const row = await updateNas(
        await nasDeps(request, ctx),
        request.params.id,
        request.body,
        partnersOf(request),
      )
      await applied()
      return S.nasOut(row)
    },
  )
  app.delete(
    '/api/v1/radius/nas/:id',
    { config: { permission: PERMISSIONS.nasManage }, schema: { tags, params: S.IdParams } },
    async (request, reply) => {
      await deleteNas(await nasDeps(request, ctx), request.params.id, partnersOf(request))
      await applied()
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/v1/radius/sessions',
    {
      config: { permission: PERMISSIONS.sessionsView },
      schema: { tags, querystring: S.SessionQuery, response: { 200: S.Page(S.Session) } },
    },
    async (request) => {
      const page = request.query.page ?? 1
      const perPage = request.query.perPage ?? 50
      const result = await listSessions(sql, {
        q: request.query.q,
        online: request.query.online,
        customerId: request.query.customerId,
        partnerIds: partnersOf(request),
        limit: perPage,
        offset: (page - 1) * perPage,
      })
      return { items: result.items.map(S.sessionOut), total: result.total, page, perPage }
    },
  )
  app.post(
    '/api/v1/radius/sessions/:id/disconnect',
    {
      config: { permission: PERMISSIONS.sessionsDisconnect },
      schema: { tags, params: S.SessionIdParams, response: { 200: S.CoaResult } },
    },
    async (request) => disconnectSession(ctx, state, request, request.params.id),
  )

  app.get(
    '/api/v1/radius/auth-log',
    {
      config: { permission: PERMISSIONS.authLogView },
      schema: { tags, querystring: S.AuthLogQuery, response: { 200: S.Page(S.AuthLogEntry) } },
    },
    async (request) => {
      await state.runtime?.flush()
      const page = request.query.page ?? 1
      const perPage = request.query.perPage ?? 50
      const result = await listAuthLog(sql, {
        q: request.query.q,
        reason: request.query.reason,
        customerId: request.query.customerId,
        partnerIds: partnersOf(request),
        limit: perPage,
        offset: (page - 1) * perPage,
      })
      return { items: result.items.map(S.authLogOut), total: result.total, page, perPage }
    },
  )

  app.post(
    '/api/v1/radius/services/:id/top-ups',
    {
      config: { permission: PERMISSIONS.topUpsBuy },
      schema: { tags, params: S.IdParams, body: S.TopUpBody, response: { 200: S.TopUpResult } },
    },
    async (request) => buyTopUp(ctx, state, request, request.params.id, request.body.option),
  )

  app.get(
    '/api/v1/radius/services/:id/usage',
    {
      config: { permission: PERMISSIONS.sessionsView },
      schema: {
        tags,
        params: S.IdParams,
        querystring: S.UsageQuery,
        response: { 200: Type.Array(S.UsageDay) },
      },
    },
    async (request) => {
      const partnerIds = partnersOf(request)
      const [owner] = await sql<{ id: number }[]>`
        select s.id from services s join customers c on c.id = s.customer_id
        where s.id = ${request.params.id}
          and ${partnerIds === null ? sql`true` : sql`c.partner_id = any(${partnerIds}::int[])`}`
      if (!owner) throw new NotFoundError('Service', request.params.id)
      return serviceUsage(sql, request.params.id, request.query.from, request.query.to)
    },
  )
}
