import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { asc, eq } from 'drizzle-orm'
import { ValidationError, StateError } from '../../kernel/errors.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { fieldErrors, flash, render } from '../../kernel/views.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { listTaxRates } from '../../plans/tax-rates.ts'
import { FormBody, formInput, hide, IdParams, day, int, lineIndexes, errorsToForm, money, pageQuery, PanelQuery, plainNumber, rowsFrom, sendCsv, text, type Form, type Id, type Query } from '../documents/page-helpers.ts'
import { loadInvoice } from '../invoices/read.ts'
import { invoiceItems } from '../schema.ts'
import { creditableAmount, issueCreditNote } from './issue.ts'
import { creditNoteDetail, listCreditNotes, type CreditNoteQuery } from './read.ts'
import { CREDIT_NOTE_VOID_RULE, voidCreditNote } from './void.ts'

const VIEWS = 'core/finance/views'
const fmt = { money, plainNumber }

/** Whether credit note PDFs are available; set by the PDF routes when they register. */
export const creditNotePdf = { available: false }

function creditNoteQuery(q: Query): CreditNoteQuery {
  return { customerId: int(q, 'customerId'), from: day(q, 'from'), to: day(q, 'to'), search: text(q, 'search'), ...pageQuery(q, ['number', 'issueDate', 'total', 'customer']) }
}

/** Credit note list, the issue form (against an invoice or the account), a credit note's page. */
export async function creditNotePages(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    '/admin/finance/credit-notes',
    { config: { permission: 'finance.view' }, schema: { hide, querystring: PanelQuery } },
    async (request, reply) => {
      const actor = actorFromRequest(request)
      const query = creditNoteQuery(request.query)
      if (text(request.query, 'format') === 'csv') {
        const rows = async function* () {
          yield ['number', 'customer_id', 'customer', 'issue_date', 'invoice', 'reason', 'net', 'tax', 'total', 'status']
          for (let page = 1; ; page++) {
            const batch = await listCreditNotes(ctx.db, actor, { ...query, page, perPage: 500 })
            for (const c of batch.items) yield [c.number, c.customerId, c.customerName, c.issueDate, c.invoiceNumber ?? '', c.reason, money(c.net), money(c.tax), money(c.total), c.status]
            if (batch.items.length < 500) return
          }
        }
        return sendCsv(reply, `credit-notes-${ctx.clock.today().toString()}.csv`, rows())
      }
      const page = await listCreditNotes(ctx.db, actor, query)
      return render(reply, `${VIEWS}/credit-note-list.eta`, { title: 'Credit notes', page, can: { credit: request.admin!.permissions.has('credit_notes.manage') }, fmt })
    },
  )

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, invoiceId: number | undefined, values: Record<string, string>, errors: Record<string, string> = {}) => {
    const actor = actorFromRequest(request)
    const invoice = invoiceId ? await loadInvoice(ctx.db, actor, invoiceId) : null
    const items = invoice ? await ctx.db.select().from(invoiceItems).where(eq(invoiceItems.invoiceId, invoice.id)).orderBy(asc(invoiceItems.position)) : []
    const rates = await listTaxRates(ctx.db, { active: true })
    return render(reply, `${VIEWS}/credit-note-form.eta`, {
      title: 'New credit note',
      invoice,
      items,
      creditable: invoice ? (await creditableAmount(ctx.db, invoice.id)).toFixed() : null,
      taxRates: rates.map((r) => ({ value: String(r.id), label: `${r.name} (${plainNumber(r.ratePercent)} %)` })),
      values,
      errors,
      fmt,
    })
  }

  app.get<{ Querystring: Query }>(
    '/admin/finance/credit-notes/new',
    { config: { permission: 'credit_notes.manage' }, schema: { hide, querystring: PanelQuery } },
    async (request, reply) => renderForm(request, reply, int(request.query, 'invoiceId'), { customerId: text(request.query, 'customerId') ?? '' }),
  )

  app.post<{ Body: Form }>(
    '/admin/finance/credit-notes',
    { config: { permission: 'credit_notes.manage' }, schema: { hide, body: FormBody } },
    async (request, reply) => {
      const input = formInput(request.body)
      const invoiceId = input.invoiceId && /^\d+$/.test(input.invoiceId) ? Number(input.invoiceId) : undefined
      const items = rowsFrom(input, 'items')
        .filter((r) => r.amount?.trim())
        .map((r) => ({ invoiceItemId: r.invoiceItemId ?? '', amount: r.amount!.trim() }))
      try {
        const cn = await issueCreditNote(ctx.db, ctx, actorFromRequest(request), {
          invoiceId: invoiceId ?? null,
          customerId: input.customerId,
          reason: input.reason,
          issueDate: input.issueDate,
          ...(invoiceId ? (items.length ? { items } : { amount: input.amount?.trim() || null }) : { lines: rowsFrom(input, 'lines').map((l) => ({ description: l.description ?? '', amount: l.amount ?? '', taxRateId: l.taxRateId || null })) }),
        })
        flash(reply, 'success', `Credit note ${cn.number} issued`)
        return reply.redirect(`/admin/finance/credit-notes/${cn.id}`, 303)
      } catch (err) {
        if (err instanceof StateError) {
          flash(reply, 'error', err.message)
          return reply.redirect(invoiceId ? `/admin/finance/invoices/${invoiceId}` : '/admin/finance/credit-notes', 303)
        }
        if (!(err instanceof ValidationError)) throw err
        const errors = invoiceId ? remapItems(fieldErrors(err), input) : errorsToForm(fieldErrors(err), 'lines', lineIndexes(input, 'lines'))
        return renderForm(request, reply.code(400), invoiceId, input, errors)
      }
    },
  )

  app.get<Id>('/admin/finance/credit-notes/:id', { config: { permission: 'finance.view' }, schema: { hide, params: IdParams } }, async (request, reply) => {
    const detail = await creditNoteDetail(ctx.db, actorFromRequest(request), request.params.id)
    return render(reply, `${VIEWS}/credit-note-show.eta`, {
      title: `Credit note ${detail.creditNote.number}`,
      detail,
      pdf: creditNotePdf.available,
      can: { manage: request.admin!.permissions.has('credit_notes.manage') },
      voidRule: CREDIT_NOTE_VOID_RULE,
      fmt,
    })
  })

  app.post<Id & { Body: Form }>(
    '/admin/finance/credit-notes/:id/void',
    { config: { permission: 'credit_notes.manage' }, schema: { hide, params: IdParams, body: FormBody } },
    async (request, reply) => {
      try {
        const cn = await voidCreditNote(ctx.db, ctx, actorFromRequest(request), request.params.id, formInput(request.body).reason ?? '')
        flash(reply, 'success', `${cn.number} is void`)
      } catch (err) {
        if (!(err instanceof ValidationError || err instanceof StateError)) throw err
        flash(reply, 'error', err.message)
      }
      return reply.redirect(`/admin/finance/credit-notes/${request.params.id}`, 303)
    },
  )
}

/** Errors on `items.N` of the filled rows, back to the form rows they came from. */
function remapItems(errors: Record<string, string>, input: Record<string, string>): Record<string, string> {
  const filled = Object.keys(input)
    .map((k) => /^items\.(\d+)\.amount$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null && (input[m[0]] ?? '').trim() !== '')
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
  return errorsToForm(errors, 'items', filled)
}
