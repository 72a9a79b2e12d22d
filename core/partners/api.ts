import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { actorFromRequest } from './scope.ts'
import { createPartner, deletePartner, getPartner, listPartners, updatePartner } from './service.ts'

const tags = ['partners']
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const Partner = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})
const PartnerListItem = Type.Object({ ...Partner.properties, customerCount: Type.Integer() })
const PartnerCreate = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), active: Type.Optional(Type.Boolean()) })
const PartnerPatch = Type.Partial(PartnerCreate, { minProperties: 1 })

/** /api/v1/partners: resellers and branches that own customers. */
export async function partnerApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const permission = 'partners.manage'
  app.get(
    '/api/v1/partners',
    { config: { permission }, schema: { tags, summary: 'List partners', response: { 200: Type.Array(PartnerListItem) } } },
    async (request) => listPartners(ctx.db, actorFromRequest(request)),
  )
  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/partners/:id',
    { config: { permission }, schema: { tags, summary: 'One partner', params: IdParams, response: { 200: Partner } } },
    async (request) => getPartner(ctx.db, actorFromRequest(request), request.params.id),
  )
  app.post<{ Body: Static<typeof PartnerCreate> }>(
    '/api/v1/partners',
    { config: { permission }, schema: { tags, summary: 'Create a partner', body: PartnerCreate, response: { 201: Partner } } },
    async (request, reply) => reply.code(201).send(await createPartner(ctx.db, ctx.clock, actorFromRequest(request), request.body)),
  )
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PartnerPatch> }>(
    '/api/v1/partners/:id',
    {
      config: { permission },
      schema: { tags, summary: 'Rename or (de)activate a partner', params: IdParams, body: PartnerPatch, response: { 200: Partner } },
    },
    async (request) => updatePartner(ctx.db, ctx.clock, actorFromRequest(request), request.params.id, request.body),
  )
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/v1/partners/:id',
    {
      config: { permission },
      schema: { tags, summary: 'Delete a partner that has no customers', params: IdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await deletePartner(ctx.db, ctx.clock, actorFromRequest(request), request.params.id)
      return reply.code(204).send()
    },
  )
}
