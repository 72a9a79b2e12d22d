/** Panel pages: NAS list and form, the kick button, a customer's sessions and traffic, the auth log. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Sql } from 'postgres'
import {
  AppError,
  fieldErrors,
  flash,
  NotFoundError,
  type PluginContext,
  render,
  Type,
  ValidationError,
} from '../../../core/plugin-api.ts'
import { customerCaps } from '../caps/status.ts'
import { buyTopUp } from '../caps/top-up.ts'
import { PERMISSIONS } from '../permissions.ts'
import { disconnectSession } from '../service/kick.ts'
import {
  createNas,
  deleteNas,
  getNas,
  listNas,
  NAS_TYPES,
  type NasInput,
  type NasTypeName,
  updateNas,
} from '../service/nas.ts'
import { customerUsage, listAuthLog, listSessions, visibleCustomer } from '../service/sessions.ts'
import { REASON_NAMES } from '../store/auth-log.ts'
import { customerTraffic } from '../service/traffic.ts'
import { formatBytes } from '../service/usage-chart.ts'
import type { RadiusSettings } from '../settings.ts'
import type { RadiusState } from '../state.ts'
import { nasDeps, partnersOf } from './api.ts'

const VIEWS = 'plugins/radius/views'
const hide = true
const PER_PAGE = 50
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const Form = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  history: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String({ maxLength: 40 })),
})

const str = (v: unknown) =>
  Array.isArray(v) ? String(v[v.length - 1] ?? '') : v === undefined ? '' : String(v)

/** The NAS form's fields as service input; empty optional fields are null. */
function nasInputFromForm(body: Record<string, unknown>, creating: boolean): NasInput {
  const port = str(body.coaPort).trim()
  const partner = str(body.partnerId).trim()
  const secret = str(body.secret)
  const input: NasInput = {
    name: str(body.name),
    ipAddress: str(body.ipAddress),
    type: (str(body.type) || 'mikrotik') as NasTypeName,
    coaPort: port === '' ? 3799 : Number(port),
    requireMessageAuthenticator: str(body.requireMessageAuthenticator) === 'true',
    partnerId: partner === '' ? null : Number(partner),
    description: str(body.description).trim() || null,
  }
  if (creating || secret !== '') input.secret = secret
  if (input.partnerId !== null && !Number.isInteger(input.partnerId))
    throw new ValidationError([{ field: 'partnerId', message: 'must be a partner id' }])
  return input
}

const typeOptions = NAS_TYPES.map((t) => ({
  value: t,
  label: t === 'mikrotik' ? 'MikroTik' : t[0]!.toUpperCase() + t.slice(1),
}))

export async function radiusPages(
  root: FastifyInstance,
  ctx: PluginContext,
  state: RadiusState,
): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const sql = ctx.sql as Sql

  const renderForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { id?: number; values: Record<string, unknown>; errors?: Record<string, string> },
  ) =>
    render(reply, `${VIEWS}/nas-form.eta`, {
      title: data.id ? 'Edit NAS' : 'New NAS',
      typeOptions,
      canManage: request.admin!.permissions.has(PERMISSIONS.nasManage),
      ...data,
    })

  app.get(
    '/admin/radius/nas',
    { config: { permission: PERMISSIONS.nasView }, schema: { hide } },
    async (request, reply) => {
      const rows = await listNas(ctx.db, partnersOf(request))
      const runtime = state.runtime
      return render(reply, `${VIEWS}/nas-list.eta`, {
        title: 'NAS',
        rows: rows.map((r) => ({ ...r, requests: r.requests + (runtime?.nas.pendingCount(r.id) ?? 0) })),
        unknown: runtime?.nas.unknownSources().slice(0, 20) ?? [],
        listening: runtime ? runtime.ports : null,
        notListening: state.notListening ?? null,
        counters: runtime?.counters() ?? null,
        canManage: request.admin!.permissions.has(PERMISSIONS.nasManage),
      })
    },
  )

  app.get(
    '/admin/radius/nas/new',
    { config: { permission: PERMISSIONS.nasManage }, schema: { hide } },
    async (request, reply) =>
      renderForm(request, reply, {
        values: {
          type: 'mikrotik',
          coaPort: 3799,
          requireMessageAuthenticator: ((await ctx.settings()) as unknown as RadiusSettings).security
            .requireMessageAuthenticator,
        },
      }),
  )

  app.post(
    '/admin/radius/nas',
    { config: { permission: PERMISSIONS.nasManage }, schema: { hide, body: Form } },
    async (request, reply) => {
      try {
        const row = await createNas(
          await nasDeps(request, ctx),
          nasInputFromForm(request.body, true),
          partnersOf(request),
        )
        await state.runtime?.refresh()
        flash(reply, 'success', `NAS ${row.name} added`)
        return reply.redirect('/admin/radius/nas')
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), {
          values: { ...request.body, secret: '' },
          errors: fieldErrors(err),
        })
      }
    },
  )

  app.get(
    '/admin/radius/nas/:id/edit',
    { config: { permission: PERMISSIONS.nasManage }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const row = await getNas(ctx.db, request.params.id, partnersOf(request))
      return renderForm(request, reply, { id: row.id, values: { ...row, partnerId: row.partnerId ?? '' } })
    },
  )

  app.post(
    '/admin/radius/nas/:id',
    { config: { permission: PERMISSIONS.nasManage }, schema: { hide, params: IdParams, body: Form } },
    async (request, reply) => {
      try {
        const row = await updateNas(
          await nasDeps(request, ctx),
          request.params.id,
          nasInputFromForm(request.body, false),
          partnersOf(request),
        )
        await state.runtime?.refresh()
        flash(reply, 'success', `NAS ${row.name} saved`)
        return reply.redirect('/admin/radius/nas')
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), {
          id: request.params.id,
          values: { ...request.body, secret: '' },
          errors: fieldErrors(err),
        })
      }
    },
  )

  app.post(
    '/admin/radius/nas/:id/delete',
    { config: { permission: PERMISSIONS.nasManage }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      try {
        await deleteNas(await nasDeps(request, ctx), request.params.id, partnersOf(request))
        await state.runtime?.refresh()
        flash(reply, 'success', 'NAS deleted')
      } catch (err) {
        if (!(err instanceof AppError) || err instanceof NotFoundError) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect('/admin/radius/nas')
    },
  )

  app.post(
    '/admin/radius/sessions/:id/disconnect',
    {
      config: { permission: PERMISSIONS.sessionsDisconnect },
      schema: { hide, params: IdParams, body: Type.Optional(Form) },
    },
    async (request, reply) => {
      try {
        const outcome = await disconnectSession(ctx, state, request, request.params.id)
        const text =
          outcome.status === 'ack'
            ? 'The NAS disconnected the session'
            : outcome.status === 'nak'
              ? `The NAS refused the disconnect (Error-Cause ${outcome.errorCause ?? 'none'})`
              : outcome.status === 'timeout'
                ? 'The NAS did not answer the disconnect; it will be sent again'
                : outcome.status === 'failed'
                  ? 'The NAS never answered the disconnect'
                  : 'The session’s NAS is not in the NAS list'
        flash(reply, outcome.status === 'ack' ? 'success' : 'error', text)
      } catch (err) {
        if (!(err instanceof AppError) || err instanceof NotFoundError) throw err
        flash(reply, 'error', err.message)
      }
      const back = str((request.body as Record<string, unknown> | undefined)?.back)
      return reply.redirect(back.startsWith('/admin/radius/') ? back : '/admin/radius/sessions')
    },
  )

  app.get(
    '/admin/radius/customers/:id/sessions',
    {
      config: { permission: PERMISSIONS.sessionsView },
      schema: { hide, params: IdParams, querystring: ListQuery },
    },
    async (request, reply) => {
      const customer = await visibleCustomer(sql, request.params.id, partnersOf(request))
      if (!customer) throw new NotFoundError('Customer', request.params.id)
      const page = request.query.page ?? 1
      const result = await listSessions(sql, {
        customerId: customer.id,
        partnerIds: partnersOf(request),
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
      })
      const perms = request.admin!.permissions
      const tabs = [
        { label: 'Information', href: `/admin/customers/${customer.id}`, active: false },
        { label: 'Contacts', href: `/admin/customers/${customer.id}/contacts`, active: false },
        ...request.server.host.plugins
          .flatMap((p) => p.customerTabs ?? [])
          .filter((t) => perms.has(t.permission))
          .map((t) => ({ label: t.label, href: t.href(customer.id), active: t.id === 'radius-sessions' })),
      ]
      const today = ctx.clock.today()
      const usage = await customerUsage(
        sql,
        customer.id,
        today.subtract({ days: 29 }).toString(),
        today.toString(),
      )
      const peak = usage.reduce((m, d) => Math.max(m, Number(d.inputOctets) + Number(d.outputOctets)), 0)
      return render(reply, `${VIEWS}/customer-sessions.eta`, {
        title: `${customer.name}: sessions`,
        customer,
        tabs,
        usage: usage.map((d) => ({
          ...d,
          down: Number(d.outputOctets),
          up: Number(d.inputOctets),
          percent: peak > 0 ? Math.round(((Number(d.inputOctets) + Number(d.outputOctets)) / peak) * 100) : 0,
        })),
        ...result,
        page,
        perPage: PER_PAGE,
        canKick: perms.has(PERMISSIONS.sessionsDisconnect),
        traffic: await customerTraffic(sql, customer.id, today),
        formatBytes,
        caps: await customerCaps(sql, customer.id),
        canTopUp: perms.has(PERMISSIONS.topUpsBuy),
      })
    },
  )

  app.post(
    '/admin/radius/services/:id/top-ups',
    {
      config: { permission: PERMISSIONS.topUpsBuy },
      schema: { hide, params: IdParams, body: Type.Optional(Form) },
    },
    async (request, reply) => {
      const body = (request.body as Record<string, unknown> | undefined) ?? {}
      try {
        const option = Number(str(body.option))
        if (!Number.isInteger(option) || option < 0) throw new NotFoundError('Top-up', str(body.option))
        const bought = await buyTopUp(ctx, state, request, request.params.id, option)
        flash(
          reply,
          'success',
          `Top-up ${bought.name} added (${bought.topUpMb} MB this period); ${bought.capped ? 'the cap is still reached' : 'the cap is lifted'}`,
        )
      } catch (err) {
        if (!(err instanceof AppError)) throw err
        flash(reply, 'error', err.message)
      }
      const back = str(body.back)
      return reply.redirect(back.startsWith('/admin/radius/') ? back : '/admin/radius/sessions')
    },
  )

  app.get(
    '/admin/radius/auth-log',
    { config: { permission: PERMISSIONS.authLogView }, schema: { hide, querystring: ListQuery } },
    async (request, reply) => {
      await state.runtime?.flush()
      const page = request.query.page ?? 1
      const result = await listAuthLog(sql, {
        q: request.query.q,
        reason: request.query.reason || undefined,
        partnerIds: partnersOf(request),
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
      })
      return render(reply, `${VIEWS}/auth-log.eta`, {
        title: 'RADIUS auth log',
        ...result,
        reasons: REASON_NAMES,
        page,
        perPage: PER_PAGE,
      })
    },
  )
}
