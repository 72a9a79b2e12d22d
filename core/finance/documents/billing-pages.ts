import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { getCustomer, type Customer } from '../../customers/service.ts'
import { NotFoundError, StateError, ValidationError } from '../../kernel/errors.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { listTaxRates } from '../../plans/tax-rates.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { listCreditNotes } from '../credit-notes/read.ts'
import { listInvoices } from '../invoices/read.ts'
import { customerBalance } from '../ledger.ts'
import { openCreditTotal } from '../payments/allocation.ts'
import { listPayments } from '../payments/read.ts'
import { customerStatement, statementCsv, statementPeriod } from '../statement/statement.ts'
import { invoiceOut } from './api-out.ts'
import { BILLING_TYPES, getBillingTerms, saveBillingTerms } from './billing-terms.ts'
import { FormBody, formInput, hide, IdParams, money, PanelQuery, plainNumber, text, type Form, type Id, type Query } from './page-helpers.ts'
import { addAdjustment, addPendingCharge, cancelPendingCharge, upcomingCharges } from './transactions.ts'
import { Type, type Static } from 'typebox'

const VIEWS = 'core/finance/views'
const fmt = { money, plainNumber }
const ChargeParams = Type.Object({ id: IdParams.properties.id, chargeId: IdParams.properties.id })

/** Whether the statement PDF route exists; set by the PDF routes when they register. */
export const statementPdf = { available: false }

function can(request: FastifyRequest) {
  const p = request.admin!.permissions
  return {
    invoice: p.has('invoices.manage'),
    pay: p.has('payments.manage'),
    credit: p.has('credit_notes.manage'),
    transactions: p.has('transactions.manage'),
    terms: p.has('customers.edit'),
    edit: p.has('customers.edit'),
    delete: p.has('customers.delete'),
  }
}

/** The customer's Billing tab (balance, upcoming charges, documents, billing terms) and statement page. */
export async function billingPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tabs = (request: FastifyRequest, customer: Customer) => [
    { label: 'Information', href: `/admin/customers/${customer.id}`, active: false },
    { label: 'Contacts', href: `/admin/customers/${customer.id}/contacts`, active: false },
    ...app.host.customerTabs(request.admin!.permissions).map((t) => ({ label: t.label, href: t.href(customer.id), active: t.id === 'billing' })),
  ]

  const showTab = async (request: FastifyRequest, reply: FastifyReply, customer: Customer, extra: Record<string, unknown> = {}) => {
    const actor = actorFromRequest(request)
    const core = await coreSettings(ctx.db)
    const [balance, openCredit, upcoming, invoices, payments, creditNotes, terms, rates] = await Promise.all([
      customerBalance(ctx.db, customer.id),
      openCreditTotal(ctx.db, customer.id),
      upcomingCharges(ctx.db, customer.id, core.currency),
      listInvoices(ctx.db, actor, { customerId: customer.id, perPage: 20 }),
      listPayments(ctx.db, actor, { customerId: customer.id, perPage: 20 }),
      listCreditNotes(ctx.db, actor, { customerId: customer.id, perPage: 20 }),
      getBillingTerms(ctx.db, actor, customer.id),
      listTaxRates(ctx.db, { active: true }),
    ])
    const tabBody = await app.view(`${VIEWS}/billing-tab.eta`, {
      customer,
      currency: core.currency,
      balance: balance.toFixed(),
      balanceNegative: balance.isNeg(),
      openCredit: openCredit.toFixed(),
      upcoming: { total: upcoming.total.toFixed(), items: upcoming.items },
      invoices: invoices.items.map(invoiceOut),
      payments: payments.items,
      creditNotes: creditNotes.items,
      terms,
      billingTypes: BILLING_TYPES.map((t) => ({ value: t, label: t.replace('_', ' ') })),
      taxRates: rates.map((r) => ({ value: String(r.id), label: `${r.name} (${plainNumber(r.ratePercent)} %)` })),
      can: can(request),
      csrfToken: await reply.generateCsrf(),
      fmt,
      ...extra,
    })
    return render(reply, 'ui/views/pages/customers/show.eta', { customer, can: can(request), title: `${customer.name}: billing`, tabs: tabs(request, customer), tabBody })
  }

  const customerOf = (request: FastifyRequest<Id>) => getCustomer(ctx.db, actorFromRequest(request), request.params.id)

  app.get<Id>('/admin/customers/:id/billing', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) =>
    showTab(request, reply, await customerOf(request)),
  )

  app.post<Id & { Body: Form }>(
    '/admin/customers/:id/billing/terms',
    { config: { permission: 'customers.edit' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const customer = await customerOf(request)
      const input = formInput(request.body)
      try {
        await saveBillingTerms(ctx.db, ctx, actorFromRequest(request), customer.id, input)
        flash(reply, 'success', 'Billing terms saved')
        return reply.redirect(`/admin/customers/${customer.id}/billing`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return showTab(request, reply.code(400), customer, { values: input, errors: fieldErrors(err) })
      }
    },
  )

  app.post<Id & { Body: Form }>(
    '/admin/customers/:id/billing/adjustments',
    { config: { permission: 'transactions.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const customer = await customerOf(request)
      const input = formInput(request.body)
      try {
        await addAdjustment(ctx.db, ctx, actorFromRequest(request), customer.id, input)
        flash(reply, 'success', 'Transaction added')
        return reply.redirect(`/admin/customers/${customer.id}/billing`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return showTab(request, reply.code(400), customer, { adjValues: input, adjErrors: fieldErrors(err) })
      }
    },
  )

  app.post<Id & { Body: Form }>(
    '/admin/customers/:id/billing/pending-charges',
    { config: { permission: 'transactions.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const customer = await customerOf(request)
      const input = formInput(request.body)
      try {
        await addPendingCharge(ctx.db, ctx, actorFromRequest(request), customer.id, input)
        flash(reply, 'success', 'Charge added; the next invoice picks it up')
        return reply.redirect(`/admin/customers/${customer.id}/billing`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return showTab(request, reply.code(400), customer, { chargeValues: input, chargeErrors: fieldErrors(err) })
      }
    },
  )

  app.post<{ Params: Static<typeof ChargeParams>; Body: Form }>(
    '/admin/customers/:id/billing/pending-charges/:chargeId/delete',
    { config: { permission: 'transactions.manage' }, schema: { hide, params: ChargeParams, body: FormBody } },
    async (request, reply) => {
      try {
        await cancelPendingCharge(ctx.db, ctx, actorFromRequest(request), request.params.id, request.params.chargeId)
        flash(reply, 'success', 'Charge dropped')
      } catch (err) {
        if (!(err instanceof StateError || err instanceof NotFoundError)) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect(`/admin/customers/${request.params.id}/billing`, 303)
    },
  )

  app.get<Id & { Querystring: Query }>(
    '/admin/customers/:id/statement',
    { config: { permission: 'finance.view' }, schema: { hide, params: IdParams, querystring: PanelQuery } },
    async (request, reply) => {
      const today = ctx.clock.today().toString()
      let period: { from: string; to: string }
      try {
        period = statementPeriod({ from: text(request.query, 'from'), to: text(request.query, 'to') }, today)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        flash(reply, 'error', err.message)
        period = statementPeriod({}, today)
      }
      const statement = await customerStatement(ctx.db, actorFromRequest(request), request.params.id, period)
      if (text(request.query, 'format') === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="statement-${statement.customer.id}-${period.from}-${period.to}.csv"`)
          .send(statementCsv(statement))
      }
      return render(reply, `${VIEWS}/statement.eta`, { title: `Statement: ${statement.customer.name}`, statement, pdf: statementPdf.available, fmt })
    },
  )
}
