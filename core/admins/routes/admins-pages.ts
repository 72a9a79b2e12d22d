import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { stringify } from 'csv-stringify/sync'
import { asc } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { AppError, ValidationError } from '../../kernel/errors.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { partners } from '../../partners/schema.ts'
import { changeFrom } from '../change.ts'
import { listRoles } from '../roles.ts'
import {
  assertCanManage,
  createAdmin,
  getAdmin,
  listAdmins,
  updateAdmin,
  type AdminUpdate,
} from '../service.ts'
import { listSessions, revokeSession } from '../sessions.ts'
import { disableTotp } from '../totp.ts'
import { recordAudit } from '../../audit/service.ts'

const LIST = 'ui/views/pages/admins/list.eta'
const FORM = 'ui/views/pages/admins/form.eta'
const PER_PAGE = 25

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
const FormBody = Type.Object({
  login: Type.String({ maxLength: 200, default: '' }),
  name: Type.String({ maxLength: 300, default: '' }),
  email: Type.String({ maxLength: 300, default: '' }),
  password: Type.String({ maxLength: 300, default: '' }),
  roleId: Type.Integer({ default: 0 }),
  active: Type.Optional(Type.Union([Type.Boolean(), Type.Array(Type.Boolean())])),
  partnerIds: Type.Array(Type.Integer(), { default: [] }),
})

/** A checkbox posted by the field partial arrives as ['false','true'] when ticked: the last value wins. */
const lastBool = (v: boolean | boolean[] | undefined, fallback: boolean) =>
  v === undefined ? fallback : Array.isArray(v) ? (v[v.length - 1] ?? fallback) : v

/** Panel pages for the admin accounts: list, create, edit, deactivate, partners, sessions, 2FA reset. */
export async function adminPages(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db, clock, config } = app.ctx

  async function formData(extra: Record<string, unknown>) {
    const roleList = await listRoles(db)
    const partnerList = await db
      .select({ id: partners.id, name: partners.name })
      .from(partners)
      .orderBy(asc(partners.name))
    return { roles: roleList, partners: partnerList, ...extra }
  }

  app.get(
    '/admin/admins',
    {
      config: { permission: 'admins.view' },
      schema: {
        hide: true,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 200 })),
          roleId: Type.Optional(Type.Integer()),
          status: Type.Optional(
            Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('')]),
          ),
          page: Type.Integer({ minimum: 1, default: 1 }),
          format: Type.Optional(Type.Literal('csv')),
        }),
      },
    },
    async (request, reply) => {
      const { q, roleId, status, page, format } = request.query
      const filter = {
        q,
        roleId,
        active: status === 'active' ? true : status === 'inactive' ? false : undefined,
      }
      if (format === 'csv') {
        const { rows } = await listAdmins(db, filter, { limit: 100_000, offset: 0 })
        const csv = stringify(
          rows.map((a) => [
            a.id,
            a.login,
            a.name,
            a.email ?? '',
            a.roleName,
            a.active ? 'active' : 'inactive',
            a.twoFactor ? 'yes' : 'no',
            a.partnerIds.join(' '),
            a.lastLoginAt?.toISOString() ?? '',
          ]),
          {
            header: true,
            columns: ['id', 'login', 'name', 'email', 'role', 'status', '2fa', 'partners', 'last_login'],
          },
        )
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="admins.csv"')
          .send(csv)
      }
      const { rows, total } = await listAdmins(db, filter, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
      return render(reply, LIST, {
        title: 'Admins',
        rows,
        total,
        page,
        perPage: PER_PAGE,
        roles: await listRoles(db),
      })
    },
  )

  app.get(
    '/admin/admins/new',
    { config: { permission: 'admins.manage' }, schema: { hide: true } },
    async (_request, reply) =>
      render(
        reply,
        FORM,
        await formData({ title: 'New admin', values: { active: true, partnerIds: [] }, creating: true }),
      ),
  )

  app.post(
    '/admin/admins',
    { config: { permission: 'admins.manage' }, schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const b = request.body
      try {
        const admin = await createAdmin(
          db,
          {
            login: b.login.trim(),
            name: b.name,
            email: b.email.trim() || null,
            password: b.password,
            roleId: b.roleId,
            active: lastBool(b.active, true),
            partnerIds: b.partnerIds,
          },
          await changeFrom(request),
        )
        flash(reply, 'success', `Admin ${admin.login} created.`)
        return reply.redirect(`/admin/admins/${admin.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError) && !(err instanceof AppError && err.status === 403)) throw err
        const errors = err instanceof ValidationError ? fieldErrors(err) : { roleId: err.message }
        return render(
          reply.code(err instanceof ValidationError ? 400 : 403),
          FORM,
          await formData({
            title: 'New admin',
            values: { ...b, active: lastBool(b.active, true) },
            errors,
            creating: true,
          }),
        )
      }
    },
  )

  async function editPage(
    id: number,
    viewer: { permissions: ReadonlySet<string>; sessionId?: string },
    extra: Record<string, unknown> = {},
  ) {
    const admin = await getAdmin(db, id)
    const sessions = viewer.permissions.has('sessions.manage')
      ? await listSessions(db, id, clock.now(), config.SESSION_IDLE_MINUTES)
      : null
    return formData({
      title: `Admin ${admin.login}`,
      target: admin,
      values: admin,
      sessions,
      canEdit: viewer.permissions.has('admins.manage'),
      currentSessionId: viewer.sessionId,
      ...extra,
    })
  }

  app.get(
    '/admin/admins/:id',
    { config: { permission: 'admins.view' }, schema: { hide: true, params: IdParams } },
    async (request, reply) => render(reply, FORM, await editPage(request.params.id, request.admin!)),
  )

  app.post(
    '/admin/admins/:id',
    { config: { permission: 'admins.manage' }, schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const b = request.body
      const update: AdminUpdate = {
        login: b.login.trim(),
        name: b.name,
        email: b.email.trim() || null,
        roleId: b.roleId,
        active: lastBool(b.active, true),
        partnerIds: b.partnerIds,
        ...(b.password ? { password: b.password } : {}),
      }
      try {
        const admin = await updateAdmin(db, request.params.id, update, await changeFrom(request))
        flash(reply, 'success', `Admin ${admin.login} saved.`)
        return reply.redirect(`/admin/admins/${admin.id}`, 303)
      } catch (err) {
        if (
          !(err instanceof ValidationError) &&
          !(err instanceof AppError && (err.status === 403 || err.status === 409))
        )
          throw err
        const errors = err instanceof ValidationError ? fieldErrors(err) : undefined
        const page = await editPage(request.params.id, request.admin!, {
          values: { ...b, active: update.active },
          errors,
          error: errors ? undefined : err.message,
        })
        return render(reply.code(err.status), FORM, page)
      }
    },
  )

  for (const [path, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    app.post(
      `/admin/admins/:id/${path}`,
      { config: { permission: 'admins.manage' }, schema: { hide: true, params: IdParams } },
      async (request, reply) => {
        try {
          const admin = await updateAdmin(db, request.params.id, { active }, await changeFrom(request))
          flash(reply, 'success', `Admin ${admin.login} ${active ? 'activated' : 'deactivated'}.`)
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err
          flash(reply, 'error', err.message)
        }
        return reply.redirect(`/admin/admins/${request.params.id}`, 303)
      },
    )
  }

  app.post(
    '/admin/admins/:id/reset-2fa',
    { config: { permission: 'admins.manage' }, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const change = await changeFrom(request)
      const target = await getAdmin(db, request.params.id)
      // Same rule as editing: only someone with at least the target's permissions.
      await assertCanManage(db, target.id, change)
      await disableTotp(db, app.ctx, { adminId: target.id, byAnother: true }, change)
      flash(
        reply,
        'success',
        `Two-factor authentication of ${target.login} was reset; they will set it up again.`,
      )
      return reply.redirect(`/admin/admins/${target.id}`, 303)
    },
  )

  app.post(
    '/admin/admins/:id/sessions/revoke',
    {
      config: { permission: 'sessions.manage' },
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object({ sessionId: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
      },
    },
    async (request, reply) => {
      const change = await changeFrom(request)
      const revoked = await revokeSession(db, request.body.sessionId, clock.now(), request.params.id)
      if (revoked) {
        await recordAudit(db, {
          ...change,
          action: 'admin.session_revoke',
          entity: 'admin',
          entityId: request.params.id,
        })
        flash(reply, 'success', 'The session was signed out.')
      } else flash(reply, 'error', 'That session had already ended.')
      return reply.redirect(`/admin/admins/${request.params.id}`, 303)
    },
  )
}
