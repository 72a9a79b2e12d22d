import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { and, desc, eq } from 'drizzle-orm'
import { Type } from 'typebox'
import { addContact, deleteContact, listContacts, updateContact, type Contact } from '../customers/contacts.ts'
import { getCustomer, updateCustomer } from '../customers/service.ts'
import { NotFoundError, ValidationError } from '../kernel/errors.ts'
import type { PluginContext } from '../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../kernel/views.ts'
import { portalActor } from './actor.ts'
import { customerBalance } from '../finance/ledger.ts'
import { invoices } from '../finance/schema.ts'
import { formatMoney } from '../kernel/money.ts'
import { coreSettings } from '../settings/core-settings.ts'

const HOME = 'ui/views/pages/portal/home.eta'
const PROFILE = 'ui/views/pages/portal/profile.eta'
const CONTACT = 'ui/views/pages/portal/contact.eta'

const ContactBody = Type.Object({
  name: Type.String({ maxLength: 400, default: '' }),
  role: Type.String({ maxLength: 400, default: '' }),
  email: Type.String({ maxLength: 400, default: '' }),
  phone: Type.String({ maxLength: 100, default: '' }),
})
const ContactParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })

/** The customer's own pages: overview, contact details, contact persons. Every lookup is by the signed-in customer's id. */
export async function portalAccountRoutes(root: FastifyInstance, ctx: PluginContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = ctx
  const deps = { clock: ctx.clock, emit: ctx.emit }

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const actor = portalActor(request)
    const customer = await getCustomer(db, actor, actor.customerId)
    const contacts = await listContacts(db, actor, actor.customerId)
    const latest = await db
      .select()
      .from(invoices)
      .where(and(eq(invoices.customerId, actor.customerId), eq(invoices.kind, 'invoice')))
      .orderBy(desc(invoices.issueDate), desc(invoices.id))
      .limit(5)
    const balance = await customerBalance(db, actor.customerId)
    return render(reply, HOME, {
      title: 'Overview',
      account: customer,
      contacts,
      balance: formatMoney(balance, (await coreSettings(db)).currency, customer.language),
      invoices: latest.map((inv) => ({
        href: `/portal/invoices/${inv.id}`,
        number: inv.number,
        date: inv.issueDate,
        dueDate: inv.dueDate,
        total: formatMoney(inv.total, inv.currency, customer.language),
        status: inv.status,
      })),
    })
  })

  const profilePage = async (reply: FastifyReply, data: { values?: Record<string, unknown>; errors?: Record<string, string> }) => {
    const actor = portalActor(reply.request)
    const customer = await getCustomer(db, actor, actor.customerId)
    const contacts = await listContacts(db, actor, actor.customerId)
    return render(reply, PROFILE, {
      title: 'My details',
      account: customer,
      contacts,
      values: data.values ?? { email: customer.email ?? '', phone: customer.phone ?? '' },
      errors: data.errors ?? {},
    })
  }

  app.get('/profile', { schema: { hide: true } }, async (_request, reply) => profilePage(reply, {}))

  app.post(
    '/profile',
    {
      schema: {
        hide: true,
        body: Type.Object({
          email: Type.String({ maxLength: 400, default: '' }),
          phone: Type.String({ maxLength: 100, default: '' }),
        }),
      },
    },
    async (request, reply) => {
      const actor = portalActor(request)
      // Only these two fields: whatever else a tampered form sends is never passed on.
      const { email, phone } = request.body
      try {
        await updateCustomer(db, deps, actor, actor.customerId, { email, phone })
      } catch (err) {
        if (err instanceof ValidationError) return profilePage(reply.code(400), { values: { email, phone }, errors: fieldErrors(err) })
        throw err
      }
      flash(reply, 'success', 'Your contact details were saved.')
      return reply.redirect('/portal/profile', 303)
    },
  )

  const contactPage = (reply: FastifyReply, data: { contact?: Contact; values: Record<string, unknown>; errors?: Record<string, string> }) =>
    render(reply, CONTACT, {
      title: data.contact ? `Contact person: ${data.contact.name}` : 'New contact person',
      contact: data.contact ?? null,
      values: data.values,
      errors: data.errors ?? {},
    })

  app.get('/contacts/new', { schema: { hide: true } }, async (_request, reply) =>
    contactPage(reply, { values: { name: '', role: '', email: '', phone: '' } }),
  )

  app.post('/contacts', { schema: { hide: true, body: ContactBody } }, async (request, reply) => {
    const actor = portalActor(request)
    try {
      await addContact(db, deps, actor, actor.customerId, request.body)
    } catch (err) {
      if (err instanceof ValidationError) return contactPage(reply.code(400), { values: request.body, errors: fieldErrors(err) })
      throw err
    }
    flash(reply, 'success', 'Contact person added.')
    return reply.redirect('/portal/profile', 303)
  })

  const ownContact = async (actorReq: Parameters<typeof portalActor>[0], id: number) => {
    const actor = portalActor(actorReq)
    const contact = (await listContacts(db, actor, actor.customerId)).find((c) => c.id === id)
    return { actor, contact }
  }

  app.get('/contacts/:id', { schema: { hide: true, params: ContactParams } }, async (request, reply) => {
    const { contact } = await ownContact(request, request.params.id)
    if (!contact) throw new NotFoundError('Contact person', request.params.id)
    return contactPage(reply, { contact, values: { name: contact.name, role: contact.role ?? '', email: contact.email ?? '', phone: contact.phone ?? '' } })
  })

  app.post('/contacts/:id', { schema: { hide: true, params: ContactParams, body: ContactBody } }, async (request, reply) => {
    const actor = portalActor(request)
    try {
      // updateContact looks the contact up by (id, this customer's id): another customer's id is not found.
      await updateContact(db, deps, actor, actor.customerId, request.params.id, request.body)
    } catch (err) {
      if (err instanceof ValidationError) {
        const { contact } = await ownContact(request, request.params.id)
        return contactPage(reply.code(400), { ...(contact ? { contact } : {}), values: request.body, errors: fieldErrors(err) })
      }
      throw err
    }
    flash(reply, 'success', 'Contact person saved.')
    return reply.redirect('/portal/profile', 303)
  })

  app.post('/contacts/:id/delete', { schema: { hide: true, params: ContactParams } }, async (request, reply) => {
    const actor = portalActor(request)
    await deleteContact(db, deps, actor, actor.customerId, request.params.id)
    flash(reply, 'success', 'Contact person removed.')
    return reply.redirect('/portal/profile', 303)
  })
}
