import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { changeFrom } from '../admins/change.ts'
import { SIGNED_IN } from '../admins/permissions.ts'
import { requestAccount } from '../admins/guard.ts'
import { AppError, ValidationError } from '../kernel/errors.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { createApiKey, listApiKeys, revokeApiKey } from './keys.ts'
import { ApiKeySchema, IdParams, errorResponses } from './schemas.ts'

const PAGE = 'ui/views/pages/admins/api-keys.eta'
const perm = { permission: 'apikeys.manage' }

/** API keys: the panel page (create, shown once, revoke), the JSON API for them, and /api/v1/me. */
export async function apiKeyRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.ctx

  const scopeOf = (permissions: ReadonlySet<string>, adminId: number) =>
    permissions.has('admins.manage') ? undefined : adminId

  async function page(request: FastifyRequest, extra: Record<string, unknown> = {}) {
    const me = request.admin!
    return {
      title: 'API keys',
      keys: await listApiKeys(db, scopeOf(me.permissions, me.id)),
      grantable: [...me.permissions].filter((p) => p !== SIGNED_IN).sort(),
      ...extra,
    }
  }

  app.get('/admin/api-keys', { config: perm, schema: { hide: true } }, async (request, reply) =>
    render(reply, PAGE, await page(request)),
  )

  app.post(
    '/admin/api-keys',
    {
      config: perm,
      schema: {
        hide: true,
        body: Type.Object({
          name: Type.String({ maxLength: 300, default: '' }),
          permissions: Type.Array(Type.String({ maxLength: 200 }), { default: [] }),
          all: Type.Array(Type.Boolean(), { default: [] }),
        }),
      },
    },
    async (request, reply) => {
      const me = request.admin!
      const b = request.body
      const permissions = b.all.at(-1) ? ['*'] : b.permissions
      try {
        const { key, apiKey } = await createApiKey(
          db,
          me.id,
          { name: b.name, permissions },
          await changeFrom(request),
        )
        return render(reply, PAGE, await page(request, { created: { key, apiKey } }))
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(
          reply.code(400),
          PAGE,
          await page(request, { errors: fieldErrors(err), values: { name: b.name, permissions } }),
        )
      }
    },
  )

  app.post(
    '/admin/api-keys/:id/revoke',
    { config: perm, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const me = request.admin!
      try {
        const key = await revokeApiKey(
          db,
          request.params.id,
          await changeFrom(request),
          scopeOf(me.permissions, me.id),
        )
        flash(reply, 'success', `API key ${key.name} revoked.`)
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect('/admin/api-keys', 303)
    },
  )

  const Me = Type.Object({
    id: Type.Integer(),
    login: Type.String(),
    name: Type.String(),
    roleId: Type.Integer(),
    role: Type.String(),
    via: Type.Union([Type.Literal('session'), Type.Literal('apikey')]),
    apiKeyId: Type.Optional(Type.Integer()),
    permissions: Type.Array(Type.String(), {
      description: 'Effective permissions (for a key: those of the key that its owner also has)',
    }),
    partnerIds: Type.Union([Type.Array(Type.Integer()), Type.Null()], { description: 'null: all partners' }),
  })

  app.get(
    '/api/v1/me',
    {
      config: { permission: SIGNED_IN },
      schema: {
        tags: ['admins'],
        summary: 'Who the API key belongs to, and what it may do',
        response: { 200: Me, ...errorResponses },
      },
    },
    async (request) => {
      // The account the guard loaded for this request: no second look-up.
      const me = request.admin!
      return {
        id: me.id,
        login: me.login,
        name: me.name,
        roleId: me.roleId,
        role: requestAccount(request)?.roleName ?? '',
        via: me.via,
        ...(me.apiKeyId !== undefined ? { apiKeyId: me.apiKeyId } : {}),
        permissions: [...me.permissions].filter((p) => p !== SIGNED_IN),
        partnerIds: me.partnerIds,
      }
    },
  )

  app.get(
    '/api/v1/api-keys',
    {
      config: perm,
      schema: {
        tags: ['admins'],
        summary: 'API keys (your own; all with admins.manage)',
        response: { 200: Type.Array(ApiKeySchema), ...errorResponses },
      },
    },
    async (request) => {
      const me = request.admin!
      return (await listApiKeys(db, scopeOf(me.permissions, me.id))).map(({ adminLogin: _, ...k }) => k)
    },
  )

  app.post(
    '/api/v1/api-keys',
    {
      config: perm,
      schema: {
        tags: ['admins'],
        summary: 'Create an API key for yourself; the key is returned once',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          permissions: Type.Array(Type.String(), { minItems: 1 }),
        }),
        response: { 201: Type.Object({ key: Type.String(), apiKey: ApiKeySchema }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(db, request.admin!.id, request.body, await changeFrom(request))
      return reply.code(201).send(created)
    },
  )

  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: perm,
      schema: {
        tags: ['admins'],
        summary: 'Revoke an API key',
        params: IdParams,
        response: { 200: ApiKeySchema, ...errorResponses },
      },
    },
    async (request) => {
      const me = request.admin!
      return revokeApiKey(db, request.params.id, await changeFrom(request), scopeOf(me.permissions, me.id))
    },
  )
}
