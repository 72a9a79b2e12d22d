import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { PluginContext } from '../../kernel/plugins/define.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { customerBalance } from '../ledger.ts'
import { openCreditTotal } from '../payments/allocation.ts'
import { customerStatement, statementCsv, statementPeriod } from '../statement/statement.ts'
import * as S from './api-schemas.ts'
import { decimalStringsOnly, plainRow } from './api-out.ts'
import { getBillingTerms, saveBillingTerms } from './billing-terms.ts'
import { accountCustomer } from './common.ts'
import { addAdjustment, addPendingCharge, cancelPendingCharge, ledgerRows, upcomingCharges, type LedgerEntry } from './transactions.ts'

type Id = { Params: Static<typeof S.IdParams> }

const entryOut = (e: LedgerEntry) => ({ ...plainRow(e), id: String(e.id), correctsId: e.correctsId === null ? null : String(e.correctsId) })

/** A customer's account: balance, statement, ledger, adjustments, pending charges, billing terms. */
export async function accountApiRoutes(app: FastifyInstance, ctx: PluginContext): Promise<void> {
  const tags = ['customer account']
  const base = '/api/v1/customers/:id'

  app.get<Id>(
    `${base}/balance`,
    {
      config: { permission: 'finance.view' },
      schema: { tags, summary: 'Balance (credits − debits; negative = owes), unallocated credit, and upcoming charges apart', params: S.IdParams, response: { 200: S.Balance } },
    },
    async (request) => {
      const c = await accountCustomer(ctx.db, actorFromRequest(request), request.params.id)
      const core = await coreSettings(ctx.db)
      const [balance, credit, upcoming] = await Promise.all([
        customerBalance(ctx.db, c.id),
        openCreditTotal(ctx.db, c.id),
        upcomingCharges(ctx.db, c.id, core.currency),
      ])
      return { customerId: c.id, currency: core.currency, balance: balance.toFixed(), openCredit: credit.toFixed(), upcomingCharges: upcoming.total.toFixed() }
    },
  )

  app.get<Id & { Querystring: Static<typeof S.StatementQuery> }>(
    `${base}/statement`,
    {
      config: { permission: 'finance.view' },
      schema: {
        tags,
        summary: 'Statement for a period: opening balance, ledger rows with running balance, closing balance (format=csv for CSV)',
        params: S.IdParams,
        querystring: S.StatementQuery,
        response: { 200: S.Statement },
      },
    },
    async (request, reply) => {
      const period = statementPeriod(request.query, ctx.clock.today().toString())
      const s = await customerStatement(ctx.db, actorFromRequest(request), request.params.id, period)
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="statement-${s.customer.id}-${s.from}-${s.to}.csv"`)
          .send(statementCsv(s))
      }
      const { customer, ...rest } = s
      return { customerId: customer.id, ...rest }
    },
  )

  app.get<Id & { Querystring: Static<typeof S.PeriodQuery> }>(
    `${base}/ledger`,
    {
      config: { permission: 'finance.view' },
      schema: { tags, summary: 'Ledger entries (append-only), oldest first', params: S.IdParams, querystring: S.PeriodQuery, response: { 200: Type.Array(S.LedgerEntry) } },
    },
    async (request) => {
      const c = await accountCustomer(ctx.db, actorFromRequest(request), request.params.id)
      return (await ledgerRows(ctx.db, c.id, request.query.from, request.query.to)).map(entryOut)
    },
  )

  app.post<Id & { Body: Static<typeof S.AdjustmentBody> }>(
    `${base}/ledger/adjustments`,
    {
      config: { permission: 'transactions.manage' },
      preValidation: decimalStringsOnly(['amount']),
      schema: { tags, summary: 'A manual debit or credit with its reason', params: S.IdParams, body: S.AdjustmentBody, response: { 201: S.LedgerEntry } },
    },
    async (request, reply) => reply.code(201).send(entryOut(await addAdjustment(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body))),
  )

  app.get<Id>(
    `${base}/pending-charges`,
    { config: { permission: 'finance.view' }, schema: { tags, summary: 'Upcoming one-off charges (not in the balance)', params: S.IdParams, response: { 200: Type.Array(S.PendingCharge) } } },
    async (request) => {
      const c = await accountCustomer(ctx.db, actorFromRequest(request), request.params.id)
      const core = await coreSettings(ctx.db)
      return (await upcomingCharges(ctx.db, c.id, core.currency)).items.map(plainRow)
    },
  )

  app.post<Id & { Body: Static<typeof S.PendingChargeBody> }>(
    `${base}/pending-charges`,
    {
      config: { permission: 'transactions.manage' },
      preValidation: decimalStringsOnly(['unitPrice', 'quantity']),
      schema: { tags, summary: 'A one-off charge for the next invoice', params: S.IdParams, body: S.PendingChargeBody, response: { 201: S.PendingCharge } },
    },
    async (request, reply) => {
      const row = await addPendingCharge(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body)
      const core = await coreSettings(ctx.db)
      const item = (await upcomingCharges(ctx.db, row.customerId, core.currency)).items.find((i) => i.id === row.id)!
      return reply.code(201).send(plainRow(item))
    },
  )

  app.delete<{ Params: Static<typeof S.ChargeParams> }>(
    `${base}/pending-charges/:chargeId`,
    { config: { permission: 'transactions.manage' }, schema: { tags, summary: 'Drop a charge no invoice has picked up yet', params: S.ChargeParams } },
    async (request, reply) => {
      await cancelPendingCharge(ctx.db, ctx, actorFromRequest(request), request.params.id, request.params.chargeId)
      return reply.code(204).send()
    },
  )

  app.get<Id>(
    `${base}/billing-terms`,
    { config: { permission: 'finance.view' }, schema: { tags, summary: "The customer's billing terms (null = the finance settings' default)", params: S.IdParams, response: { 200: S.BillingTermsReply } } },
    async (request) => getBillingTerms(ctx.db, actorFromRequest(request), request.params.id),
  )

  app.patch<Id & { Body: Static<typeof S.BillingTermsPatch> }>(
    `${base}/billing-terms`,
    {
      config: { permission: 'customers.edit' },
      preValidation: decimalStringsOnly(['minimumBalance']),
      schema: { tags, summary: 'Change billing terms (null = back to the default)', params: S.IdParams, body: S.BillingTermsPatch, response: { 200: S.BillingTerms } },
    },
    async (request) => saveBillingTerms(ctx.db, ctx, actorFromRequest(request), request.params.id, request.body),
  )
}
