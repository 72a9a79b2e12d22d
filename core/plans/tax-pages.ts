import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { ConflictError, ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { actorFromRequest } from '../partners/scope.ts'
import {
  createTaxRate,
  deleteTaxRate,
  getTaxRate,
  listTaxRates,
  updateTaxRate,
  type TaxRateInput,
} from './tax-rates.ts'

const hide = true
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const Form = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
type FormBody = Static<typeof Form>

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.at(-1) : v)
const ticked = (v: string | string[] | undefined) =>
  Array.isArray(v) ? v.includes('true') : v === 'true' || v === 'on'

function inputOf(body: FormBody): TaxRateInput {
  const rate = one(body['ratePercent'])?.trim() ?? ''
  return {
    name: one(body['name']) ?? '',
    ratePercent: /^\d+,\d+$/.test(rate) ? rate.replace(',', '.') : rate,
    included: ticked(body['included']),
    active: ticked(body['active']),
  }
}

/** Panel: tax rates list, create, edit, delete. */
export async function taxRatePages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get(
    '/admin/tax-rates',
    { config: { permission: 'plans.view' }, schema: { hide } },
    async (request, reply) =>
      render(reply, 'core/plans/views/tax-list.eta', {
        title: 'Tax rates',
        rates: await listTaxRates(ctx.db),
        canManage: request.admin?.permissions.has('taxes.manage') ?? false,
      }),
  )

  app.get(
    '/admin/tax-rates/new',
    { config: { permission: 'taxes.manage' }, schema: { hide } },
    async (_request, reply) =>
      render(reply, 'core/plans/views/tax-form.eta', {
        title: 'New tax rate',
        action: '/admin/tax-rates',
        values: { active: true },
      }),
  )

  app.post<{ Body: FormBody }>(
    '/admin/tax-rates',
    { config: { permission: 'taxes.manage' }, schema: { hide, body: Form } },
    async (request, reply) => {
      const values = inputOf(request.body)
      try {
        const rate = await createTaxRate(ctx.db, ctx.clock, actorFromRequest(request), values)
        flash(reply, 'success', `Tax rate ${rate.name} created`)
        return reply.redirect('/admin/tax-rates', 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), 'core/plans/views/tax-form.eta', {
          title: 'New tax rate',
          action: '/admin/tax-rates',
          values,
          errors: fieldErrors(err),
        })
      }
    },
  )

  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/tax-rates/:id/edit',
    { config: { permission: 'taxes.manage' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const rate = await getTaxRate(ctx.db, request.params.id)
      return render(reply, 'core/plans/views/tax-form.eta', {
        title: `Tax rate ${rate.name}`,
        action: `/admin/tax-rates/${rate.id}`,
        rate,
        values: { ...rate, ratePercent: rate.ratePercent.replace(/\.?0+$/, '') },
      })
    },
  )

  app.post<{ Params: Static<typeof IdParams>; Body: FormBody }>(
    '/admin/tax-rates/:id',
    { config: { permission: 'taxes.manage' }, schema: { hide, params: IdParams, body: Form } },
    async (request, reply) => {
      const rate = await getTaxRate(ctx.db, request.params.id)
      const values = inputOf(request.body)
      try {
        await updateTaxRate(ctx.db, ctx.clock, actorFromRequest(request), rate.id, values)
        flash(reply, 'success', 'Tax rate saved')
        return reply.redirect('/admin/tax-rates', 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), 'core/plans/views/tax-form.eta', {
          title: `Tax rate ${rate.name}`,
          action: `/admin/tax-rates/${rate.id}`,
          rate,
          values,
          errors: fieldErrors(err),
        })
      }
    },
  )

  app.post<{ Params: Static<typeof IdParams> }>(
    '/admin/tax-rates/:id/delete',
    { config: { permission: 'taxes.manage' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      try {
        await deleteTaxRate(ctx.db, ctx.clock, actorFromRequest(request), request.params.id)
        flash(reply, 'success', 'Tax rate deleted')
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect('/admin/tax-rates', 303)
    },
  )
}
