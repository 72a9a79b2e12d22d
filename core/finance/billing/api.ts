import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { dec } from '../../kernel/money.ts'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import * as S from './api-schemas.ts'
import { cancelRun, confirmRun, createRun, getRun, listRuns, runItems, totalsPerPlan, type BillingRun, type RunItemRow } from './runs.ts'
import { kickBillingJob } from './trigger.ts'

const plain = (v: string) => dec(v).toFixed()
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null)

export function runOut(r: BillingRun): Static<typeof S.Run> {
  return {
    id: r.id,
    runDate: r.runDate,
    status: r.status,
    partnerId: r.partnerId,
    autoConfirmAt: iso(r.autoConfirmAt),
    customers: r.customers,
    invoices: r.invoices,
    net: plain(r.net),
    tax: plain(r.tax),
    total: plain(r.total),
    error: r.error,
    createdAt: iso(r.createdAt)!,
    confirmedAt: iso(r.confirmedAt),
    finishedAt: iso(r.finishedAt),
  }
}

export function itemOut(i: RunItemRow): Static<typeof S.Item> {
  const lines = (i.lines as unknown as Static<typeof S.Line>[]).map((l) => ({
    kind: l.kind,
    description: l.description,
    serviceId: l.serviceId,
    planId: l.planId,
    periodStart: l.periodStart,
    periodEnd: l.periodEnd,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    discountPercent: l.discountPercent,
    amount: l.amount,
    taxRateId: l.taxRateId,
    chargeKey: l.chargeKey,
  }))
  return {
    customerId: i.customerId,
    customerName: i.customerName,
    status: i.status,
    net: plain(i.net),
    tax: plain(i.tax),
    total: plain(i.total),
    document: dec(i.total).isNeg() ? 'credit_note' : 'invoice',
    invoiceId: i.invoiceId,
    invoiceNumber: i.invoiceNumber,
    creditNoteId: i.creditNoteId,
    creditNoteNumber: i.creditNoteNumber,
    error: i.error,
    lines,
  }
}

/** /api/v1/billing-runs: start a preview, read it (totals, per plan, customers paged), confirm, cancel. */
export async function billingRunApi(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['billing']
  const view = { permission: 'billing.view' }
  const run = { permission: 'billing.run' }
  type Id = { Params: Static<typeof S.IdParams> }

  app.get<{ Querystring: Static<typeof S.Page> }>(
    '/api/v1/billing-runs',
    { config: view, schema: { tags, summary: 'Billing runs, newest first', querystring: S.Page, response: { 200: S.RunList } } },
    async (request) => {
      const { runs, total } = await listRuns(ctx.db, actorFromRequest(request), { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 })
      return { total, runs: runs.map(runOut) }
    },
  )

  app.post<{ Body: Static<typeof S.RunCreate> }>(
    '/api/v1/billing-runs',
    {
      config: run,
      schema: {
        tags,
        summary: 'Start a billing run: its preview (dry run) is computed in the background; nothing is issued until confirmed',
        body: S.RunCreate,
        response: { 202: S.Run },
      },
    },
    async (request, reply) => {
      const created = await createRun(ctx.db, ctx.clock, actorFromRequest(request), request.body)
      await kickBillingJob(app)
      return reply.code(202).send(runOut(created))
    },
  )

  app.get<Id & { Querystring: Static<typeof S.ItemsQuery> }>(
    '/api/v1/billing-runs/:id',
    {
      config: view,
      schema: {
        tags,
        summary: 'A billing run: totals, totals per plan, and its customers with their lines (paged)',
        params: S.IdParams,
        querystring: S.ItemsQuery,
        response: { 200: S.RunDetail },
      },
    },
    async (request) => {
      const r = await getRun(ctx.db, actorFromRequest(request), request.params.id)
      const q = request.query
      const [perPlan, items] = await Promise.all([
        totalsPerPlan(ctx.db, r.id),
        runItems(ctx.db, r.id, { limit: q.limit ?? 50, offset: q.offset ?? 0, status: q.status }),
      ])
      return {
        run: runOut(r),
        perPlan: perPlan.map((p) => ({ ...p, amount: plain(p.amount) })),
        items: { total: items.total, items: items.items.map(itemOut) },
      }
    },
  )

  app.post<Id>(
    '/api/v1/billing-runs/:id/confirm',
    { config: run, schema: { tags, summary: 'Confirm a preview: its invoices are issued in the background', params: S.IdParams, response: { 202: S.Run } } },
    async (request, reply) => {
      const confirmed = await confirmRun(ctx.db, ctx.clock, actorFromRequest(request), request.params.id)
      await kickBillingJob(app)
      return reply.code(202).send(runOut(confirmed))
    },
  )

  app.post<Id>(
    '/api/v1/billing-runs/:id/cancel',
    { config: run, schema: { tags, summary: 'Cancel a run that has issued nothing yet', params: S.IdParams, response: { 200: S.Run } } },
    async (request) => runOut(await cancelRun(ctx.db, ctx.clock, actorFromRequest(request), request.params.id)),
  )
}
