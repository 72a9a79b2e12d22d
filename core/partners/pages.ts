import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { actorFromRequest } from './scope.ts'
import { createPartner, deletePartner, getPartner, listPartners, updatePartner } from './service.ts'

const hide = true
const permission = 'partners.manage'
const FormBody = Type.Object({ name: Type.Optional(Type.String()), active: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) })
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
type Form = Static<typeof FormBody>

/** The checkbox partial sends "false" then "true" when ticked. */
const activeOf = (v: Form['active']) => (Array.isArray(v) ? v.includes('true') : v === 'true' || v === 'on')

/** Panel: partners list, create, edit, delete. */
export async function partnerPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get('/admin/partners', { config: { permission }, schema: { hide } }, async (request, reply) => {
    const actor = actorFromRequest(request)
    return render(reply, 'ui/views/pages/partners/list.eta', {
      title: 'Partners',
      partners: await listPartners(ctx.db, actor),
      canCreate: actor.partnerIds === null,
    })
  })

  app.get('/admin/partners/new', { config: { permission }, schema: { hide } }, async (_request, reply) =>
    render(reply, 'ui/views/pages/partners/form.eta', { title: 'New partner', action: '/admin/partners', values: { active: true } }),
  )

  app.post<{ Body: Form }>('/admin/partners', { config: { permission }, schema: { hide, body: FormBody } }, async (request, reply) => {
    const values = { name: request.body.name ?? '', active: activeOf(request.body.active) }
    try {
      const p = await createPartner(ctx.db, ctx.clock, actorFromRequest(request), values)
      flash(reply, 'success', `Partner ${p.name} created`)
      return reply.redirect('/admin/partners', 303)
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      return render(reply.code(400), 'ui/views/pages/partners/form.eta', { title: 'New partner', action: '/admin/partners', values, errors: fieldErrors(err) })
    }
  })

  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/partners/:id/edit',
    { config: { permission }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const partner = await getPartner(ctx.db, actor, request.params.id)
      return render(reply, 'ui/views/pages/partners/form.eta', {
        title: `Partner ${partner.name}`,
        action: `/admin/partners/${partner.id}`,
        partner,
        values: partner,
        canDelete: actor.partnerIds === null,
      })
    },
  )

  app.post<{ Params: Static<typeof IdParams>; Body: Form }>(
    '/admin/partners/:id',
    { config: { permission }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const partner = await getPartner(ctx.db, actor, request.params.id)
      const values = { name: request.body.name ?? '', active: activeOf(request.body.active) }
      try {
        await updatePartner(ctx.db, ctx.clock, actor, partner.id, values)
        flash(reply, 'success', 'Partner saved')
        return reply.redirect('/admin/partners', 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), 'ui/views/pages/partners/form.eta', {
          title: `Partner ${partner.name}`,
          action: `/admin/partners/${partner.id}`,
          partner,
          values,
          errors: fieldErrors(err),
          canDelete: actor.partnerIds === null,
        })
      }
    },
  )

  app.post<{ Params: Static<typeof IdParams> }>(
    '/admin/partners/:id/delete',
    { config: { permission }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      await deletePartner(ctx.db, ctx.clock, actorFromRequest(request), request.params.id)
      flash(reply, 'success', `Partner ${request.params.id} deleted`)
      return reply.redirect('/admin/partners', 303)
    },
  )
}
