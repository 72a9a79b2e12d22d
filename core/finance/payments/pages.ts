import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { StateError, ValidationError } from '../../kernel/errors.ts'
import { dec, formatMoney, sum } from '../../kernel/money.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { FormBody, formInput, hide, IdParams, day, int, money, oneOf, pageQuery, PanelQuery, plainNumber, sendCsv, text, type Form, type Id, type Query } from '../documents/page-helpers.ts'
import { allocationsOf } from './allocation.ts'
import { iteratePayments, listPayments, paymentDetail, type PaymentQuery } from './read.ts'
import { PAYMENT_METHODS, recordPayment } from './record.ts'
import { unallocatePayment, voidPayment } from './void.ts'

const VIEWS = 'core/finance/views'
const fmt = { money, plainNumber }
const SORTS = ['receivedOn', 'amount', 'receiptNumber', 'customer', 'method']

function can(request: FastifyRequest) {
  return { pay: request.admin!.permissions.has('payments.manage') }
}

function paymentQuery(q: Query): PaymentQuery {
  return {
    customerId: int(q, 'customerId'),
    method: oneOf(q, 'method', PAYMENT_METHODS),
    status: oneOf(q, 'status', ['posted', 'void'] as const),
    from: day(q, 'from'),
    to: day(q, 'to'),
    search: text(q, 'search'),
    ...pageQuery(q, SORTS),
  }
}

/** A receipt's data: the payment, who paid, the seller, and the net amount applied per invoice. */
export async function receiptData(db: PluginContext['db'], actor: Parameters<typeof paymentDetail>[1], id: number) {
  const d = await paymentDetail(db, actor, id)
  const core = await coreSettings(db)
  const net = await allocationsOf(db, { paymentId: id })
  const numbers = new Map(d.allocations.map((a) => [a.invoiceId, a.number]))
  return {
    title: `Receipt ${d.payment.receiptNumber}`,
    payment: d.payment,
    customer: d.customer,
    seller: core,
    amount: formatMoney(d.payment.amount, d.payment.currency, 'en'),
    allocations: net.map((a) => ({ number: numbers.get(a.invoiceId) ?? `#${a.invoiceId}`, amount: formatMoney(a.amount, d.payment.currency, 'en') })),
  }
}

/** Payment list, the record form, a payment's page with its printable receipt, void and unallocate. */
export async function paymentPages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    '/admin/finance/payments',
    { config: { permission: 'finance.view' }, schema: { hide, querystring: PanelQuery } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const query = paymentQuery(request.query)
      if (text(request.query, 'format') === 'csv') {
        const rows = async function* () {
          yield ['receipt', 'customer_id', 'customer', 'received_on', 'method', 'reference', 'amount', 'allocated', 'status']
          for await (const p of iteratePayments(ctx.db, actor, query))
            yield [p.receiptNumber, p.customerId, p.customerName, p.receivedOn, p.method, p.reference ?? '', money(p.amount), money(p.allocated), p.status]
        }
        return sendCsv(reply, `payments-${ctx.clock.today().toString()}.csv`, rows())
      }
      const page = await listPayments(ctx.db, actor, query)
      return render(reply, `${VIEWS}/payment-list.eta`, { title: 'Payments', page, methods: PAYMENT_METHODS, can: can(request), fmt })
    },
  )

  const renderForm = (reply: FastifyReply, values: Record<string, string>, errors: Record<string, string> = {}) =>
    render(reply, `${VIEWS}/payment-form.eta`, { title: 'Record a payment', values, errors, methods: PAYMENT_METHODS })

  app.get<{ Querystring: Query }>(
    '/admin/finance/payments/new',
    { config: { permission: 'payments.manage' }, schema: { hide, querystring: PanelQuery } },
    async (request, reply) =>
      renderForm(reply, {
        customerId: text(request.query, 'customerId') ?? '',
        invoiceId: text(request.query, 'invoiceId') ?? '',
        amount: text(request.query, 'amount') ?? '',
        method: 'bank_transfer',
        receivedOn: ctx.clock.today().toString(),
      }),
  )

  app.post<{ Body: Form }>(
    '/admin/finance/payments',
    { config: { permission: 'payments.manage' }, schema: { hide, body: FormBody } },
    async (request, reply) => {
      const input = formInput(request.body)
      const invoiceId = input.invoiceId?.trim() ? Number(input.invoiceId) : null
      try {
        if (invoiceId !== null && !Number.isInteger(invoiceId)) throw new ValidationError([{ field: 'invoiceId', message: 'must be an invoice id' }])
        const r = await recordPayment(ctx.db, ctx, actorFromRequest(request), { ...input, invoiceId })
        const applied = sum(r.allocations.map((a) => a.amount))
        const rest = dec(r.payment.amount).minus(applied)
        flash(reply, 'success', `Payment ${r.payment.receiptNumber} recorded${rest.gt(0) ? `; ${rest.toFixed(2)} stays as credit` : ''}`)
        return reply.redirect(`/admin/finance/payments/${r.payment.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(reply.code(400), input, fieldErrors(err))
      }
    },
  )

  app.get<Id>('/admin/finance/payments/:id', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) => {
    const detail = await paymentDetail(ctx.db, actorFromRequest(request), request.params.id)
    const applied = sum(detail.allocations.map((a) => a.amount))
    const unallocated = detail.payment.status === 'void' ? '0' : dec(detail.payment.amount).minus(applied).toFixed()
    return render(reply, `${VIEWS}/payment-show.eta`, { title: `Payment ${detail.payment.receiptNumber}`, detail, unallocated, can: can(request), fmt })
  })

  app.get<Id>('/admin/finance/payments/:id/receipt', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) =>
    render(reply, `${VIEWS}/receipt.eta`, await receiptData(ctx.db, actorFromRequest(request), request.params.id)),
  )

  app.post<Id & { Body: Form }>(
    '/admin/finance/payments/:id/void',
    { config: { permission: 'payments.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      try {
        await voidPayment(ctx.db, ctx, actorFromRequest(request), request.params.id, formInput(request.body).reason ?? '')
        flash(reply, 'success', 'Payment void')
      } catch (err) {
        if (!(err instanceof ValidationError || err instanceof StateError)) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect(`/admin/finance/payments/${request.params.id}`, 303)
    },
  )

  app.post<Id & { Body: Form }>(
    '/admin/finance/payments/:id/unallocate',
    { config: { permission: 'payments.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const raw = formInput(request.body).invoiceId
      const invoiceId = raw && /^\d+$/.test(raw) ? Number(raw) : null
      try {
        await unallocatePayment(ctx.db, ctx, actorFromRequest(request), request.params.id, invoiceId)
        flash(reply, 'success', 'Payment taken off the invoice; the money stays as credit')
      } catch (err) {
        if (!(err instanceof ValidationError || err instanceof StateError)) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect(invoiceId ? `/admin/finance/invoices/${invoiceId}` : `/admin/finance/payments/${request.params.id}`, 303)
    },
  )
}
