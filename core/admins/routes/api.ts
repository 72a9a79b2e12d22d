import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { IdParams, NullableTimestamp, Timestamp, errorResponses } from '../../api/schemas.ts'
import { changeFrom } from '../change.ts'
import { knownPermissions } from '../guard.ts'
import { createRole, deleteRole, getRole, listRoles, updateRole } from '../roles.ts'
import { createAdmin, getAdmin, listAdmins, updateAdmin } from '../service.ts'

const AdminSchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  roleId: Type.Integer(),
  roleName: Type.String(),
  active: Type.Boolean(),
  twoFactor: Type.Boolean(),
  partnerIds: Type.Array(Type.Integer(), { description: 'Partners the admin is limited to; empty: all' }),
  createdAt: Timestamp,
  lastLoginAt: NullableTimestamp,
})

const RoleSchema = Type.Object({
  id: Type.Integer(),
  builtin: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  permissions: Type.Array(Type.String(), { description: "Exact permissions, 'group.*' wildcards or '*'" }),
  require2fa: Type.Boolean(),
  createdAt: Timestamp,
})

const AdminCreate = Type.Object({
  login: Type.String({ minLength: 2, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  roleId: Type.Integer(),
  active: Type.Optional(Type.Boolean()),
  partnerIds: Type.Optional(Type.Array(Type.Integer())),
})
const AdminPatch = Type.Partial(AdminCreate)

const RoleInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  permissions: Type.Array(Type.String({ maxLength: 200 })),
  require2fa: Type.Optional(Type.Boolean({ default: false })),
})

/** /api/v1/admins, /api/v1/roles and /api/v1/permissions. */
export async function adminApiRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.ctx
  const tags = ['admins']

  app.get(
    '/api/v1/admins',
    {
      config: { permission: 'admins.view' },
      schema: {
        tags,
        summary: 'List admins',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 200 })),
          roleId: Type.Optional(Type.Integer()),
          active: Type.Optional(Type.Boolean()),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(AdminSchema), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, offset, ...filter } = request.query
      const { rows, total } = await listAdmins(db, filter, { limit, offset })
      return { items: rows, total }
    },
  )

  app.get(
    '/api/v1/admins/:id',
    {
      config: { permission: 'admins.view' },
      schema: {
        tags,
        summary: 'Get an admin',
        params: IdParams,
        response: { 200: AdminSchema, ...errorResponses },
      },
    },
    async (request) => getAdmin(db, request.params.id),
  )

  app.post(
    '/api/v1/admins',
    {
      config: { permission: 'admins.manage' },
      schema: {
        tags,
        summary: 'Create an admin',
        body: AdminCreate,
        response: { 201: AdminSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createAdmin(db, request.body, await changeFrom(request))),
  )

  app.patch(
    '/api/v1/admins/:id',
    {
      config: { permission: 'admins.manage' },
      schema: {
        tags,
        summary: 'Change an admin (active: false deactivates and ends their sessions and keys)',
        params: IdParams,
        body: AdminPatch,
        response: { 200: AdminSchema, ...errorResponses },
      },
    },
    async (request) => updateAdmin(db, request.params.id, request.body, await changeFrom(request)),
  )

  app.get(
    '/api/v1/roles',
    {
      config: { permission: 'admins.view' },
      schema: { tags, summary: 'List roles', response: { 200: Type.Array(RoleSchema), ...errorResponses } },
    },
    async () => (await listRoles(db)).map(({ adminCount: _, ...r }) => r),
  )

  app.get(
    '/api/v1/roles/:id',
    {
      config: { permission: 'admins.view' },
      schema: {
        tags,
        summary: 'Get a role',
        params: IdParams,
        response: { 200: RoleSchema, ...errorResponses },
      },
    },
    async (request) => getRole(db, request.params.id),
  )

  app.post(
    '/api/v1/roles',
    {
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Create a role',
        body: RoleInput,
        response: { 201: RoleSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createRole(
            db,
            { ...request.body, require2fa: request.body.require2fa ?? false },
            await changeFrom(request),
          ),
        ),
  )

  app.put(
    '/api/v1/roles/:id',
    {
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Replace a role',
        params: IdParams,
        body: RoleInput,
        response: { 200: RoleSchema, ...errorResponses },
      },
    },
    async (request) =>
      updateRole(
        db,
        request.params.id,
        { ...request.body, require2fa: request.body.require2fa ?? false },
        await changeFrom(request),
      ),
  )

  app.delete(
    '/api/v1/roles/:id',
    {
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Delete a custom role nobody has',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteRole(db, request.params.id, await changeFrom(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/api/v1/permissions',
    {
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Every permission the loaded modules and plugins declare',
        response: { 200: Type.Array(Type.String()), ...errorResponses },
      },
    },
    async () => knownPermissions(app),
  )
}
