import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { stringify } from 'csv-stringify'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { Temporal } from 'temporal-polyfill'
import { Timestamp, errorResponses } from '../api/schemas.ts'
import { ValidationError } from '../kernel/errors.ts'
import { render } from '../kernel/views.ts'
import { auditFacets, iterateAudit, listAudit, type AuditFilter } from './service.ts'

const PAGE = 'ui/views/pages/audit/list.eta'
const PER_PAGE = 50
const DATE = '^\\d{4}-\\d{2}-\\d{2}$'

const Filter = Type.Object({
  entity: Type.Optional(Type.String({ maxLength: 100 })),
  entityId: Type.Optional(Type.String({ maxLength: 100 })),
  actor: Type.Optional(Type.String({ maxLength: 100 })),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(
    Type.Union([Type.String({ pattern: DATE }), Type.Literal('')], {
      description: 'First day, YYYY-MM-DD (ISP time zone)',
    }),
  ),
  to: Type.Optional(
    Type.Union([Type.String({ pattern: DATE }), Type.Literal('')], {
      description: 'Last day, YYYY-MM-DD (inclusive)',
    }),
  ),
})

const AuditRowSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actorType: Type.String(),
  actorId: Type.Union([Type.Integer(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  entity: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
})

/** Turns calendar days in the ISP's time zone into the half-open range of instants the filter uses. */
export function toFilter(q: Static<typeof Filter>, timeZone: string): AuditFilter {
  const startOf = (d: string) =>
    new Date(Temporal.PlainDate.from(d).toZonedDateTime({ timeZone }).epochMilliseconds)
  const fields = []
  let from: Date | undefined
  let to: Date | undefined
  try {
    if (q.from) from = startOf(q.from)
  } catch {
    fields.push({ field: 'from', message: 'is not a date' })
  }
  try {
    if (q.to) to = startOf(Temporal.PlainDate.from(q.to).add({ days: 1 }).toString())
  } catch {
    fields.push({ field: 'to', message: 'is not a date' })
  }
  if (fields.length) throw new ValidationError(fields)
  if (from && to && to <= from)
    throw new ValidationError([{ field: 'to', message: 'must not be before the first day' }])
  return {
    entity: q.entity || undefined,
    entityId: q.entityId || undefined,
    actor: q.actor?.trim() || undefined,
    action: q.action || undefined,
    from,
    to,
  }
}

/** The audit log: panel page with filters, paging and CSV export, and GET /api/v1/audit. */
export async function auditRoutes(root: FastifyInstance): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { db, config } = app.ctx
  const perm = { permission: 'audit.view' }

  app.get(
    '/admin/audit',
    {
      config: perm,
      schema: {
        hide: true,
        querystring: Type.Intersect([
          Filter,
          Type.Object({
            page: Type.Integer({ minimum: 1, default: 1 }),
            format: Type.Optional(Type.Literal('csv')),
          }),
        ]),
      },
    },
    async (request, reply) => {
      const { page, format, ...q } = request.query
      let filter: AuditFilter
      try {
        filter = toFilter(q, config.TIME_ZONE)
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err
        return render(reply.code(400), PAGE, {
          title: 'Audit log',
          rows: [],
          total: 0,
          page: 1,
          perPage: PER_PAGE,
          facets: await auditFacets(db),
          errors: err.fields,
        })
      }
      if (format === 'csv') {
        const csv = stringify({
          header: true,
          columns: [
            'id',
            'at',
            'actor_type',
            'actor_id',
            'actor',
            'ip',
            'action',
            'entity',
            'entity_id',
            'before',
            'after',
          ],
        })
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="audit-log.csv"')
        void (async () => {
          try {
            for await (const r of iterateAudit(db, filter)) {
              const line = [
                r.id,
                r.at.toISOString(),
                r.actorType,
                r.actorId ?? '',
                r.actorName ?? '',
                r.ip ?? '',
                r.action,
                r.entity,
                r.entityId ?? '',
              ]
              const more = [
                r.before === null ? '' : JSON.stringify(r.before),
                r.after === null ? '' : JSON.stringify(r.after),
              ]
              if (!csv.write([...line, ...more])) await new Promise((resolve) => csv.once('drain', resolve))
            }
            csv.end()
          } catch (err) {
            csv.destroy(err as Error)
          }
        })()
        return reply.send(csv)
      }
      const { rows, total } = await listAudit(db, filter, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
      return render(reply, PAGE, {
        title: 'Audit log',
        rows,
        total,
        page,
        perPage: PER_PAGE,
        facets: await auditFacets(db),
      })
    },
  )

  app.get(
    '/api/v1/audit',
    {
      config: perm,
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first',
        querystring: Type.Intersect([
          Filter,
          Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          }),
        ]),
        response: {
          200: Type.Object({ items: Type.Array(AuditRowSchema), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, offset, ...q } = request.query
      const { rows, total } = await listAudit(db, toFilter(q, config.TIME_ZONE), { limit, offset })
      return { items: rows, total }
    },
  )
}
