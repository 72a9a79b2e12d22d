import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { AppError, ValidationError } from '../../kernel/errors.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { changeFrom } from '../change.ts'
import { knownPermissions } from '../guard.ts'
import { groupPermissions, matches } from '../permissions.ts'
import { createRole, deleteRole, getRole, listRoles, updateRole, type Role } from '../roles.ts'

const LIST = 'ui/views/pages/admins/roles.eta'
const FORM = 'ui/views/pages/admins/role-form.eta'
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
const many = Type.Array(Type.String({ maxLength: 200 }), { default: [] })
const RoleBody = Type.Object({
  name: Type.String({ maxLength: 300, default: '' }),
  all: Type.Array(Type.Boolean(), { default: [] }),
  groups: many,
  permissions: many,
  /** Patterns the checklist cannot show (from plugins not loaded now), carried so they are not lost. */
  extra: many,
  require2fa: Type.Array(Type.Boolean(), { default: [] }),
})

/** Patterns from the checklist: '*' when "everything" is ticked, else group wildcards and single permissions. */
export function patternsFromForm(body: {
  all: boolean[]
  groups: string[]
  permissions: string[]
  extra: string[]
}): string[] {
  if (body.all.at(-1)) return ['*']
  return [...body.groups.map((g) => `${g}.*`), ...body.permissions, ...body.extra]
}

/** For the checklist: which boxes are ticked, and the patterns it cannot show. */
export function checklist(patterns: readonly string[], known: readonly string[]) {
  const groups = groupPermissions(known)
  const groupNames = new Set(groups.map((g) => g.group))
  return {
    all: patterns.includes('*'),
    groups: groups.map((g) => ({
      ...g,
      wildcard: patterns.includes(`${g.group}.*`),
      items: g.permissions.map((p) => ({
        name: p,
        checked: matches(patterns, p),
        explicit: patterns.includes(p),
      })),
    })),
    extra: patterns.filter(
      (p) => p !== '*' && !known.includes(p) && !(p.endsWith('.*') && groupNames.has(p.slice(0, -2))),
    ),
  }
}

/** Panel pages for roles: list, create, edit with a permission checklist grouped by prefix, delete. */
export async function rolePages(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.ctx
  const perm = { permission: 'roles.manage' }

  const formPage = (
    title: string,
    role: Partial<Role> & { permissions: string[] },
    extra: Record<string, unknown> = {},
  ) => ({
    title,
    role,
    checklist: checklist(role.permissions, knownPermissions(app)),
    ...extra,
  })

  app.get('/admin/roles', { config: perm, schema: { hide: true } }, async (_request, reply) =>
    render(reply, LIST, { title: 'Roles', rows: await listRoles(db) }),
  )

  app.get('/admin/roles/new', { config: perm, schema: { hide: true } }, async (_request, reply) =>
    render(
      reply,
      FORM,
      formPage('New role', { name: '', permissions: [], require2fa: false }, { creating: true }),
    ),
  )

  app.get(
    '/admin/roles/:id',
    { config: perm, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const role = await getRole(db, request.params.id)
      return render(reply, FORM, formPage(`Role ${role.name}`, role))
    },
  )

  async function save(
    id: number | null,
    request: FastifyRequest,
    b: Static<typeof RoleBody>,
    reply: FastifyReply,
  ) {
    const input = { name: b.name, permissions: patternsFromForm(b), require2fa: b.require2fa.at(-1) ?? false }
    try {
      const change = await changeFrom(request)
      const role = id === null ? await createRole(db, input, change) : await updateRole(db, id, input, change)
      flash(reply, 'success', `Role ${role.name} saved.`)
      return reply.redirect('/admin/roles', 303)
    } catch (err) {
      if (!(err instanceof ValidationError) && !(err instanceof AppError && err.status === 403)) throw err
      const current = id === null ? { builtin: null } : await getRole(db, id)
      const errors = err instanceof ValidationError ? fieldErrors(err) : { permissions: err.message }
      return render(
        reply.code(err instanceof ValidationError ? 400 : 403),
        FORM,
        formPage(
          id === null ? 'New role' : `Role ${b.name}`,
          { ...current, id: id ?? undefined, ...input },
          { errors, creating: id === null },
        ),
      )
    }
  }

  app.post('/admin/roles', { config: perm, schema: { hide: true, body: RoleBody } }, (request, reply) =>
    save(null, request, request.body, reply),
  )
  app.post(
    '/admin/roles/:id',
    { config: perm, schema: { hide: true, params: IdParams, body: RoleBody } },
    (request, reply) => save(request.params.id, request, request.body, reply),
  )

  app.post(
    '/admin/roles/:id/delete',
    { config: perm, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      try {
        await deleteRole(db, request.params.id, await changeFrom(request))
        flash(reply, 'success', 'Role deleted.')
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 404 || err.status >= 500) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect('/admin/roles', 303)
    },
  )
}
