import { sql, type SQL } from 'drizzle-orm'
import { addMonths, formatDate, toDate } from '../../kernel/dates.ts'
import { ValidationError } from '../../kernel/errors.ts'

/** What every report is filtered by: a period (both days included) and the partners in scope. */
export interface ReportFilter {
  from: string
  to: string
  /** null = every partner. */
  partnerIds: number[] | null
}

/** The partners a report covers: the one asked for (if the admin may see it) or the admin's scope. */
export function scopePartners(scope: number[] | null, requested?: number): number[] | null {
  if (requested === undefined) return scope
  return scope === null || scope.includes(requested) ? [requested] : []
}

/** `column in (...)`, or true for every partner. */
export function partnerCondition(column: SQL, partnerIds: number[] | null): SQL {
  if (partnerIds === null) return sql`true`
  return partnerIds.length ? sql`${column} in ${partnerIds}` : sql`false`
}

/** The period of a request: defaults to the twelve months up to today; refused when it runs backwards. */
export function reportFilter(
  query: { from?: string; to?: string; partnerId?: number },
  today: string,
  scope: number[] | null,
): ReportFilter {
  const to = query.to ?? today
  const from = query.from ?? formatDate(addMonths(toDate(to).with({ day: 1 }), -11))
  if (toDate(from, 'from').until(toDate(to, 'to')).sign < 0)
    throw new ValidationError([{ field: 'to', message: 'must not be before from' }])
  return { from, to, partnerIds: scopePartners(scope, query.partnerId) }
}
