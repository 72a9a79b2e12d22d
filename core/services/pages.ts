import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { getCustomer, type Customer } from '../customers/service.ts'
import { StateError, ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { actorFromRequest } from '../partners/scope.ts'
import { listPlans } from '../plans/service.ts'
import { serviceOut } from './api.ts'
import type { Service } from './access.ts'
import { cancelPlanChange, schedulePlanChange } from './plan-change.ts'
import {
  changeServiceStatus,
  createService,
  endService,
  getService,
  getServicePassword,
  listServices,
  updateService,
} from './service.ts'
import { STATUS_TRANSITIONS, type ServiceStatus } from './validation.ts'

const hide = true
const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
type Form = Static<typeof FormBody>
type Id = { Params: Static<typeof IdParams> }

const VIEWS = 'core/services/views'

/** A flat form body as service input: the last value of repeated keys, no CSRF token, an empty password left out. */
function formInput(body: Form): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  for (const [k, raw] of Object.entries(body)) {
    if (k === '_csrf') continue
    const v = Array.isArray(raw) ? raw.at(-1) : raw
    if (k === 'password' && !v) continue
    input[k] = v
  }
  return input
}

function can(request: FastifyRequest) {
  const p = request.admin!.permissions
  return {
    manage: p.has('services.manage'),
    password: p.has('services.password.view'),
    edit: p.has('customers.edit'),
    delete: p.has('customers.delete'),
  }
}

/** The Services tab and the service forms of the customer page. */
export async function servicePages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tabs = (request: FastifyRequest, customer: Customer) => [
    { label: 'Information', href: `/admin/customers/${customer.id}`, active: false },
    { label: 'Contacts', href: `/admin/customers/${customer.id}/contacts`, active: false },
    ...app.host
      .customerTabs(request.admin!.permissions)
      .map((t) => ({ label: t.label, href: t.href(customer.id), active: t.id === 'services' })),
  ]

  const planOptions = async (request: FastifyRequest, customer: Customer, type?: string) => {
    const page = await listPlans(ctx.db, actorFromRequest(request), {
      partnerId: customer.partnerId,
      active: true,
      limit: 500,
      ...(type ? { type: type as 'internet' } : {}),
    })
    return page.items.map((p) => ({ value: String(p.id), label: `${p.name} (${p.type.replace('_', '-')}, ${p.price})` }))
  }

  const planNames = async (request: FastifyRequest) => {
    const page = await listPlans(ctx.db, actorFromRequest(request), { limit: 500 })
    return Object.fromEntries(page.items.map((p) => [p.id, p.name]))
  }

  const showTab = async (request: FastifyRequest, reply: FastifyReply, customer: Customer) => {
    const services = (await listServices(ctx.db, actorFromRequest(request), customer.id)).map(serviceOut)
    const tabBody = await app.view(`${VIEWS}/list.eta`, { customer, services, plans: await planNames(request), can: can(request) })
    return render(reply, 'ui/views/pages/customers/show.eta', {
      customer,
      can: can(request),
      title: `${customer.name}: services`,
      tabs: tabs(request, customer),
      tabBody,
    })
  }

  app.get<Id>(
    '/admin/customers/:id/services',
    { config: { permission: 'services.view' }, schema: { hide, params: IdParams } },
    async (request, reply) => showTab(request, reply, await getCustomer(ctx.db, actorFromRequest(request), request.params.id)),
  )

  const renderForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    customer: Customer,
    data: { service?: ReturnType<typeof serviceOut>; values: Record<string, unknown>; errors?: Record<string, string> },
  ) => {
    const s = data.service
    return render(reply, `${VIEWS}/form.eta`, {
      title: s ? `Service #${s.id}` : 'Add a service',
      customer,
      ...data,
      planOptions: await planOptions(request, customer, s?.type),
      changeOptions: s ? (await planOptions(request, customer, s.type)).filter((o) => o.value !== String(s.planId)) : [],
      plans: await planNames(request),
      transitions: s ? STATUS_TRANSITIONS[s.status] : [],
      today: ctx.clock.today().toString(),
      can: can(request),
    })
  }

  app.get<Id>(
    '/admin/customers/:id/services/new',
    { config: { permission: 'services.manage' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const customer = await getCustomer(ctx.db, actorFromRequest(request), request.params.id)
      return renderForm(request, reply, customer, { values: { quantity: '1', startDate: ctx.clock.today().toString() } })
    },
  )

  app.post<Id & { Body: Form }>(
    '/admin/customers/:id/services',
    { config: { permission: 'services.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const customer = await getCustomer(ctx.db, actor, request.params.id)
      try {
        const s = await createService(ctx.db, ctx, actor, customer.id, formInput(request.body))
        flash(reply, 'success', `Service ${s.description} added`)
        return reply.redirect(`/admin/customers/${customer.id}/services`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), customer, { values: request.body, errors: fieldErrors(err) })
      }
    },
  )

  const loadBoth = async (request: FastifyRequest, id: number) => {
    const actor = actorFromRequest(request)
    const service = await getService(ctx.db, actor, id)
    return { actor, service, customer: await getCustomer(ctx.db, actor, service.customerId) }
  }

  app.get<Id>(
    '/admin/services/:id/edit',
    { config: { permission: 'services.view' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const { service, customer } = await loadBoth(request, request.params.id)
      const out = serviceOut(service)
      return renderForm(request, reply, customer, { service: out, values: { ...out, planId: String(out.planId) } })
    },
  )

  app.post<Id & { Body: Form }>(
    '/admin/services/:id',
    { config: { permission: 'services.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const { actor, service, customer } = await loadBoth(request, request.params.id)
      try {
        await updateService(ctx.db, ctx, actor, service.id, formInput(request.body))
        flash(reply, 'success', 'Service saved')
        return reply.redirect(`/admin/customers/${customer.id}/services`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), customer, {
          service: serviceOut(service),
          values: request.body,
          errors: fieldErrors(err),
        })
      }
    },
  )

  /** Actions that redirect back to the form with a message; a refused one shows its reason. */
  const action = (path: string, run: (request: FastifyRequest<Id & { Body: Form }>, s: Service) => Promise<string>) =>
    app.post<Id & { Body: Form }>(
      `/admin/services/:id/${path}`,
      { config: { permission: 'services.manage' }, schema: { hide, params: IdParams, body: FormBody } },
      async (request, reply) => {
        const { service } = await loadBoth(request, request.params.id)
        try {
          flash(reply, 'success', await run(request, service))
        } catch (err) {
          if (!(err instanceof ValidationError || err instanceof StateError)) throw err
          flash(reply, 'error', err.message)
        }
        return reply.redirect(`/admin/services/${service.id}/edit`, 303)
      },
    )

  action('status', async (request, s) => {
    const to = String(formInput(request.body).status ?? '') as ServiceStatus
    const out = await changeServiceStatus(ctx.db, ctx, actorFromRequest(request), s.id, to)
    return `Status is now ${out.status}`
  })
  action('end', async (request, s) => {
    const out = await endService(ctx.db, ctx, actorFromRequest(request), s.id, String(formInput(request.body).endDate ?? ''))
    return `Service ends on ${out.endDate}${out.status === 'stopped' ? ' and is stopped' : ''}`
  })
  action('plan-change', async (request, s) => {
    const input = formInput(request.body)
    const out = await schedulePlanChange(ctx.db, ctx, actorFromRequest(request), s.id, input)
    return out.nextPlanId === null ? 'Plan changed' : `Plan change scheduled for ${out.planChangeDate}`
  })
  action('plan-change/cancel', async (request, s) => {
    await cancelPlanChange(ctx.db, ctx, actorFromRequest(request), s.id)
    return 'Scheduled plan change dropped'
  })

  app.get<Id>(
    '/admin/services/:id/password',
    { config: { permission: 'services.password.view' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const password = await getServicePassword(ctx.db, ctx, actorFromRequest(request), request.params.id)
      return render(reply, `${VIEWS}/password.eta`, { password })
    },
  )
}
