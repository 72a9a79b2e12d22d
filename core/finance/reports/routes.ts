import { stringify } from 'csv-stringify/sync'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Static } from 'typebox'
import type { AppContext } from '../../kernel/context.ts'
import { minorUnits } from '../../kernel/money.ts'
import { render } from '../../kernel/views.ts'
import { partnerOptions } from '../../partners/service.ts'
import { actorFromRequest } from '../../partners/scope.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { collectionRoutes } from '../collections/routes.ts'
import { REPORTS, type ReportArgs, type ReportDefinition, type ReportTable } from './definitions.ts'
import { reportFilter } from './filters.ts'
import { barChart } from './svg.ts'
import { PageQuery, ReportQuery } from './schemas.ts'

const PERMISSION = 'reports.view'
const tags = ['reports']

type Query = Static<typeof ReportQuery>

async function argsOf(ctx: AppContext, query: Query, scope: number[] | null, def: ReportDefinition): Promise<ReportArgs> {
  const today = ctx.clock.today().toString()
  const { currency } = await coreSettings(ctx.db)
  const limit = query.limit ?? (def.slug === 'debtors' ? 20 : 100)
  return {
    filter: reportFilter(query, today, scope),
    asOf: query.asOf ?? today,
    today,
    limit,
    offset: ((query.page ?? 1) - 1) * limit,
    currency,
    places: minorUnits(currency),
  }
}

/** The table as CSV: header labels, the rows, then the totals row. */
export function tableCsv(table: ReportTable): string {
  const cell = (row: object, key: string) => {
    const v = (row as Record<string, unknown>)[key]
    return v === null || v === undefined ? '' : String(v)
  }
  const lines = [table.columns.map((c) => c.label), ...table.rows.map((r) => table.columns.map((c) => cell(r, c.key)))]
  if (table.totals) lines.push(table.columns.map((c) => cell(table.totals!, c.key)))
  return stringify(lines)
}

function sendCsv(reply: FastifyReply, name: string, body: string) {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(body)
}

/** Finance reports (pages with a chart and CSV, and the API) and the collections pages. */
export async function reportRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await collectionRoutes(app, ctx)

  app.get(
    '/admin/finance/reports',
    { config: { permission: PERMISSION }, schema: { hide: true } },
    async (_request, reply) => render(reply, 'core/finance/views/reports/index.eta', { title: 'Reports', reports: REPORTS }),
  )

  for (const def of REPORTS) {
    app.get<{ Querystring: Query }>(
      `/api/v1/reports/${def.slug}`,
      {
        config: { permission: PERMISSION },
        schema: { tags, summary: `${def.title}: ${def.description.toLowerCase()}`, querystring: ReportQuery, response: { 200: def.reply } },
      },
      async (request) => {
        const scope = actorFromRequest(request).partnerIds
        return def.load(ctx.db, await argsOf(ctx, request.query, scope, def))
      },
    )

    app.get<{ Querystring: Static<typeof PageQuery> }>(
      `/admin/finance/reports/${def.slug}`,
      { config: { permission: PERMISSION }, schema: { hide: true, querystring: PageQuery } },
      async (request, reply) => {
        const actor = actorFromRequest(request)
        const args = await argsOf(ctx, request.query, actor.partnerIds, def)
        const table = def.table(await def.load(ctx.db, args))
        if (request.query.format === 'csv') {
          const suffix = def.period ? `${args.filter.from}_${args.filter.to}` : def.slug === 'aging' ? args.asOf : args.today
          return sendCsv(reply, `${def.slug}-${suffix}`, tableCsv(table))
        }
        return render(reply, 'core/finance/views/reports/report.eta', {
          title: def.title,
          def,
          table,
          chart: barChart(table.chart.bars, { title: table.chart.title }),
          args,
          partners: await partnerOptions(ctx.db, actor),
          page: request.query.page ?? 1,
        })
      },
    )
  }
}
