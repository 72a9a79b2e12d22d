import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { actorFromRequest } from '../partners/scope.ts'
import { addContact, deleteContact, listContacts, updateContact } from './contacts.ts'
import { getCustomFieldDefs } from './custom-fields.ts'
import { exportCustomersCsv } from './export.ts'
import { formToInput, formValues, panelQuery, partnerChoices } from './page-helpers.ts'
import { customerCities, searchCustomers } from './search.ts'
import { changeCustomerStatus, createCustomer, deleteCustomer, getCustomer, updateCustomer, type Customer } from './service.ts'
import { CUSTOMER_STATUSES, type CustomerStatus } from './validation.ts'

const hide = true
const ListQuery = Type.Record(Type.String(), Type.String())
const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
const ContactParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), contactId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
type Form = Static<typeof FormBody>
type Id = Static<typeof IdParams>
type ContactId = Static<typeof ContactParams>

const can = (request: FastifyRequest) => {
  const p = request.admin!.permissions
  return {
    create: p.has('customers.create'),
    edit: p.has('customers.edit'),
    delete: p.has('customers.delete'),
    import: p.has('customers.import'),
    export: p.has('customers.export'),
  }
}

/** Panel pages: customer list with search-as-you-type, export, create/edit, the customer page and its tabs. */
export async function customerPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get<{ Querystring: Record<string, string> }>(
    '/admin/customers',
    { config: { permission: 'customers.view' }, schema: { hide, querystring: ListQuery } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const { query, page: pageNo, filtered } = panelQuery(request.query)
      const page = await searchCustomers(ctx.db, actor, query)
      const { partners, partnerNames } = await partnerChoices(ctx.db, request)
      const data = { title: 'Customers', page, pageNo, filtered, partners, partnerNames, can: can(request), statuses: CUSTOMER_STATUSES }
      // htmx search-as-you-type swaps only the table.
      if (request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true') {
        return render(reply, 'ui/views/pages/customers/table.eta', data)
      }
      return render(reply, 'ui/views/pages/customers/list.eta', { ...data, cities: await customerCities(ctx.db, actor) })
    },
  )

  app.get<{ Querystring: Record<string, string> }>(
    '/admin/customers/export',
    { config: { permission: 'customers.export' }, schema: { hide, querystring: ListQuery } },
    async (request, reply) => {
      const { query } = panelQuery(request.query)
      const stream = await exportCustomersCsv(ctx.db, actorFromRequest(request), query)
      const name = `customers-${ctx.clock.today().toString()}.csv`
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(stream)
    },
  )

  const renderForm = async (
    request: FastifyRequest,
    reply: import('fastify').FastifyReply,
    opts: { customer?: Customer; values: Record<string, unknown>; errors?: Record<string, string> },
  ) => {
    const { partners } = await partnerChoices(ctx.db, request)
    return render(reply, 'ui/views/pages/customers/form.eta', {
      title: opts.customer ? `Edit ${opts.customer.name}` : 'New customer',
      action: opts.customer ? `/admin/customers/${opts.customer.id}` : '/admin/customers',
      customer: opts.customer,
      values: opts.values,
      errors: opts.errors ?? {},
      partners,
      statuses: CUSTOMER_STATUSES,
      customFieldDefs: await getCustomFieldDefs(ctx.db),
    })
  }

  app.get('/admin/customers/new', { config: { permission: 'customers.create' }, schema: { hide } }, async (request, reply) => {
    const { partners } = await partnerChoices(ctx.db, request)
    return renderForm(request, reply, {
      values: { status: 'new', category: 'person', language: 'en', billingDay: 1, dateAdded: ctx.clock.today().toString(), partnerId: partners[0]?.id },
    })
  })

  app.post<{ Body: Form }>(
    '/admin/customers',
    { config: { permission: 'customers.create' }, schema: { hide, body: FormBody } },
    async (request, reply) => {
      try {
        const created = await createCustomer(ctx.db, ctx, actorFromRequest(request), formToInput(request.body))
        flash(reply, 'success', `Customer ${created.name} created (login ${created.login})`)
        return reply.redirect(`/admin/customers/${created.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), { values: request.body, errors: fieldErrors(err) })
      }
    },
  )

  const tabsFor = (request: FastifyRequest, customer: Customer, active: string) => {
    const perms = request.admin!.permissions
    const tabs = [
      { id: 'info', label: 'Information', href: `/admin/customers/${customer.id}` },
      { id: 'contacts', label: 'Contacts', href: `/admin/customers/${customer.id}/contacts` },
      ...app.host.plugins
        .flatMap((p) => p.customerTabs ?? [])
        .filter((t) => perms.has(t.permission))
        .map((t) => ({ id: t.id, label: t.label, href: t.href(customer.id) })),
    ]
    return tabs.map((t) => ({ ...t, active: t.id === active }))
  }

  const showPage = async (
    request: FastifyRequest,
    reply: import('fastify').FastifyReply,
    customer: Customer,
    tab: 'info' | 'contacts',
    extra: Record<string, unknown> = {},
  ) => {
    const actor = actorFromRequest(request)
    const common = { customer, can: can(request), csrfToken: await reply.generateCsrf() }
    const { partnerNames } = await partnerChoices(ctx.db, request)
    const tabBody =
      tab === 'info'
        ? await app.view('ui/views/pages/customers/info.eta', {
            ...common,
            partnerName: partnerNames[customer.partnerId] ?? `#${customer.partnerId}`,
            customFieldDefs: await getCustomFieldDefs(ctx.db),
          })
        : await app.view('ui/views/pages/customers/contacts.eta', {
            ...common,
            contacts: await listContacts(ctx.db, actor, customer.id),
            ...extra,
          })
    return render(reply, 'ui/views/pages/customers/show.eta', {
      ...common,
      title: customer.name,
      tabs: tabsFor(request, customer, tab),
      tabBody,
    })
  }

  app.get<{ Params: Id }>(
    '/admin/customers/:id',
    { config: { permission: 'customers.view' }, schema: { hide, params: IdParams } },
    async (request, reply) => showPage(request, reply, await getCustomer(ctx.db, actorFromRequest(request), request.params.id), 'info'),
  )

  app.get<{ Params: Id }>(
    '/admin/customers/:id/contacts',
    { config: { permission: 'customers.view' }, schema: { hide, params: IdParams } },
    async (request, reply) => showPage(request, reply, await getCustomer(ctx.db, actorFromRequest(request), request.params.id), 'contacts'),
  )

  app.get<{ Params: Id }>(
    '/admin/customers/:id/edit',
    { config: { permission: 'customers.edit' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const customer = await getCustomer(ctx.db, actorFromRequest(request), request.params.id)
      return renderForm(request, reply, { customer, values: formValues(customer) })
    },
  )

  app.post<{ Params: Id; Body: Form }>(
    '/admin/customers/:id',
    { config: { permission: 'customers.edit' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const customer = await getCustomer(ctx.db, actor, request.params.id)
      try {
        await updateCustomer(ctx.db, ctx, actor, customer.id, formToInput(request.body))
        flash(reply, 'success', 'Customer saved')
        return reply.redirect(`/admin/customers/${customer.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), { customer, values: request.body, errors: fieldErrors(err) })
      }
    },
  )

  app.post<{ Params: Id; Body: Form }>(
    '/admin/customers/:id/status',
    { config: { permission: 'customers.edit' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const status = String(request.body.status ?? '') as CustomerStatus
      const c = await changeCustomerStatus(ctx.db, ctx, actorFromRequest(request), request.params.id, status)
      flash(reply, 'success', `Status is now ${c.status}`)
      return reply.redirect(`/admin/customers/${c.id}`, 303)
    },
  )

  app.post<{ Params: Id }>(
    '/admin/customers/:id/delete',
    { config: { permission: 'customers.delete' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const out = await deleteCustomer(ctx.db, ctx, actorFromRequest(request), request.params.id)
      if (out.deleted) {
        flash(reply, 'success', `Customer ${request.params.id} deleted`)
        return reply.redirect('/admin/customers', 303)
      }
      flash(reply, 'info', 'The customer has history, so it was set inactive instead of deleted')
      return reply.redirect(`/admin/customers/${request.params.id}`, 303)
    },
  )

  app.post<{ Params: Id; Body: Form }>(
    '/admin/customers/:id/contacts',
    { config: { permission: 'customers.edit' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const customer = await getCustomer(ctx.db, actor, request.params.id)
      try {
        await addContact(ctx.db, ctx, actor, customer.id, formToInput(request.body))
        flash(reply, 'success', 'Contact added')
        return reply.redirect(`/admin/customers/${customer.id}/contacts`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return showPage(request, reply.code(400), customer, 'contacts', { values: request.body, errors: fieldErrors(err) })
      }
    },
  )

  app.get<{ Params: ContactId }>(
    '/admin/customers/:id/contacts/:contactId/edit',
    { config: { permission: 'customers.edit' }, schema: { hide, params: ContactParams } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const customer = await getCustomer(ctx.db, actor, request.params.id)
      const contact = (await listContacts(ctx.db, actor, customer.id)).find((k) => k.id === request.params.contactId)
      if (!contact) return reply.callNotFound()
      return render(reply, 'ui/views/pages/customers/contact-form.eta', { title: `Contact ${contact.name}`, customer, contactId: contact.id, values: contact })
    },
  )

  app.post<{ Params: ContactId; Body: Form }>(
    '/admin/customers/:id/contacts/:contactId',
    { config: { permission: 'customers.edit' }, schema: { hide, params: ContactParams, body: FormBody } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const customer = await getCustomer(ctx.db, actor, request.params.id)
      try {
        await updateContact(ctx.db, ctx, actor, customer.id, request.params.contactId, formToInput(request.body))
        flash(reply, 'success', 'Contact saved')
        return reply.redirect(`/admin/customers/${customer.id}/contacts`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), 'ui/views/pages/customers/contact-form.eta', {
          title: 'Edit contact',
          customer,
          contactId: request.params.contactId,
          values: request.body,
          errors: fieldErrors(err),
        })
      }
    },
  )

  app.post<{ Params: ContactId }>(
    '/admin/customers/:id/contacts/:contactId/delete',
    { config: { permission: 'customers.edit' }, schema: { hide, params: ContactParams } },
    async (request, reply) => {
      await deleteContact(ctx.db, ctx, actorFromRequest(request), request.params.id, request.params.contactId)
      flash(reply, 'success', 'Contact removed')
      return reply.redirect(`/admin/customers/${request.params.id}/contacts`, 303)
    },
  )
}
