import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { StateError, ValidationError } from '../../kernel/errors.ts'
import { add, dec } from '../../kernel/money.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { listPlans } from '../../plans/service.ts'
import { listTaxRates } from '../../plans/tax-rates.ts'
import { invoiceOut } from '../documents/api-out.ts'
import {
  day,
  errorsToForm,
  FormBody,
  formInput,
  hide,
  IdParams,
  int,
  lineIndexes,
  money,
  oneOf,
  pageQuery,
  PanelQuery,
  plainNumber,
  rowsFrom,
  sendCsv,
  text,
  type Form,
  type Id,
  type Query,
} from '../documents/page-helpers.ts'
import { createManualInvoice } from './manual.ts'
import { convertProforma } from './proforma.ts'
import { INVOICE_SORTS, INVOICE_STATUSES, invoiceDetail, iterateInvoices, listInvoices, loadInvoice, type InvoiceQuery } from './read.ts'
import { refuseInvoiceEdit, VOID_RULE, voidInvoice } from './void.ts'

const VIEWS = 'core/finance/views'
export const fmt = { money, plainNumber }
const ROWS = 6

/** Whether PDF routes are available; set by the PDF routes when they register. */
export const pdfAvailable = { invoices: false }

function can(request: FastifyRequest) {
  const p = request.admin!.permissions
  return { manage: p.has('invoices.manage'), credit: p.has('credit_notes.manage'), pay: p.has('payments.manage') }
}

export function invoiceQuery(q: Query): InvoiceQuery {
  return {
    kind: oneOf(q, 'kind', ['invoice', 'proforma'] as const) ?? 'invoice',
    status: oneOf(q, 'status', INVOICE_STATUSES),
    customerId: int(q, 'customerId'),
    from: day(q, 'from'),
    to: day(q, 'to'),
    search: text(q, 'search'),
    ...pageQuery(q, INVOICE_SORTS),
  }
}

/** Invoice list, view, manual invoice form, void, proforma conversion; an edit shows why it is refused. */
export async function invoicePages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    '/admin/finance/invoices',
    { config: { permission: 'finance.view' }, schema: { hide, querystring: PanelQuery } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const query = invoiceQuery(request.query)
      if (text(request.query, 'format') === 'csv') {
        const rows = async function* () {
          yield ['number', 'kind', 'customer_id', 'customer', 'issue_date', 'due_date', 'net', 'tax', 'total', 'paid', 'status']
          for await (const i of iterateInvoices(ctx.db, actor, query))
            yield [i.number, i.kind, i.customerId, i.customerName, i.issueDate, i.dueDate, money(i.net), money(i.tax), money(i.total), money(i.paidAmount), i.status]
        }
        return sendCsv(reply, `invoices-${ctx.clock.today().toString()}.csv`, rows())
      }
      const page = await listInvoices(ctx.db, actor, query)
      return render(reply, `${VIEWS}/invoice-list.eta`, {
        title: query.kind === 'proforma' ? 'Proforma invoices' : 'Invoices',
        kind: query.kind,
        page: { ...page, items: page.items.map(invoiceOut) },
        statuses: INVOICE_STATUSES,
        can: can(request),
        zip: pdfAvailable.invoices,
        fmt,
      })
    },
  )

  const formOptions = async (request: FastifyRequest) => {
    const [rates, plans] = await Promise.all([
      listTaxRates(ctx.db, { active: true }),
      listPlans(ctx.db, actorFromRequest(request), { type: 'one_time', active: true, limit: 500 }),
    ])
    return {
      taxRates: rates.map((r) => ({ value: String(r.id), label: `${r.name} (${plainNumber(r.ratePercent)} %${r.included ? ' incl.' : ''})` })),
      oneTimePlans: plans.items.map((p) => ({ value: String(p.id), label: `${p.name} (${money(p.price)})` })),
    }
  }

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: Record<string, string> = {}) =>
    render(reply, `${VIEWS}/invoice-form.eta`, {
      title: values.kind === 'proforma' ? 'New proforma invoice' : 'New invoice',
      values,
      errors,
      rows: ROWS,
      ...(await formOptions(request)),
    })

  app.get<{ Querystring: Query }>(
    '/admin/finance/invoices/new',
    { config: { permission: 'invoices.manage' }, schema: { hide, querystring: PanelQuery } },
    async (request, reply) =>
      renderForm(request, reply, {
        kind: text(request.query, 'kind') === 'proforma' ? 'proforma' : 'invoice',
        customerId: text(request.query, 'customerId') ?? '',
        'lines.0.quantity': '1',
      }),
  )

  app.post<{ Body: Form }>(
    '/admin/finance/invoices',
    { config: { permission: 'invoices.manage' }, schema: { hide, body: FormBody } },
    async (request, reply) => {
      const input = formInput(request.body)
      try {
        const invoice = await createManualInvoice(ctx.db, ctx, actorFromRequest(request), {
          customerId: input.customerId,
          kind: input.kind === 'proforma' ? 'proforma' : 'invoice',
          issueDate: input.issueDate,
          dueDate: input.dueDate,
          note: input.note,
          lines: rowsFrom(input, 'lines'),
        })
        flash(reply, 'success', `${invoice.kind === 'proforma' ? 'Proforma' : 'Invoice'} ${invoice.number} issued`)
        return reply.redirect(`/admin/finance/invoices/${invoice.id}`, 303)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return renderForm(request, reply.code(400), input, errorsToForm(fieldErrors(err), 'lines', lineIndexes(input, 'lines')))
      }
    },
  )

  const show = async (request: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}) => {
    const detail = await invoiceDetail(ctx.db, actorFromRequest(request), id)
    const out = invoiceOut(detail.invoice)
    // Net of each payment or credit note on this invoice (an unallocation shows as the pair cancelling).
    const applied = new Map<string, (typeof detail.allocations)[number]>()
    for (const a of detail.allocations) {
      const key = a.paymentId ? `p${a.paymentId}` : `c${a.creditNoteId}`
      const seen = applied.get(key)
      applied.set(key, seen ? { ...seen, amount: add(seen.amount, a.amount).toFixed() } : a)
    }
    const rows = [...applied.values()].filter((a) => !dec(a.amount).isZero())
    return render(reply, `${VIEWS}/invoice-show.eta`, {
      title: `${detail.invoice.kind === 'proforma' ? 'Proforma' : 'Invoice'} ${detail.invoice.number}`,
      detail,
      due: out.due,
      applied: rows,
      voidRule: VOID_RULE,
      voidBlocked: rows.length > 0,
      can: can(request),
      pdf: pdfAvailable.invoices,
      fmt,
      ...extra,
    })
  }

  app.get<Id>('/admin/finance/invoices/:id', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) =>
    show(request, reply, request.params.id),
  )

  app.get<Id>(
    '/admin/finance/invoices/:id/edit',
    { config: { permission: 'invoices.manage' }, schema: { hide, params: IdParams } },
    async (request, reply) => {
      const invoice = await loadInvoice(ctx.db, actorFromRequest(request), request.params.id)
      try {
        refuseInvoiceEdit(invoice)
      } catch (err) {
        if (!(err instanceof StateError)) throw err
        return show(request, reply.code(409), invoice.id, { refusal: err.message })
      }
    },
  )

  const action = (path: string, permission: string, run: (request: FastifyRequest<Id & { Body: Form }>) => Promise<{ message: string; to?: number }>) =>
    app.post<Id & { Body: Form }>(
      `/admin/finance/invoices/:id/${path}`,
      { config: { permission }, schema: { hide, params: IdParams, body: FormBody } },
      async (request, reply) => {
        let to = request.params.id
        try {
          const r = await run(request)
          flash(reply, 'success', r.message)
          to = r.to ?? to
        } catch (err) {
          if (!(err instanceof ValidationError || err instanceof StateError)) throw err
          flash(reply, 'error', err.message)
        }
        return reply.redirect(`/admin/finance/invoices/${to}`, 303)
      },
    )

  action('void', 'invoices.manage', async (request) => {
    const inv = await voidInvoice(ctx.db, ctx, actorFromRequest(request), request.params.id, formInput(request.body).reason ?? '')
    return { message: `${inv.number} is void` }
  })
  action('convert', 'invoices.manage', async (request) => {
    const { invoice } = await convertProforma(ctx.db, ctx, actorFromRequest(request), request.params.id)
    return { message: `Invoice ${invoice.number} issued from the proforma`, to: invoice.id }
  })
}
