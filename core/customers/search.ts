import { and, inArray, sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { rawRows, type DbOrTx } from '../../db/client.ts'
import { ValidationError } from '../kernel/errors.ts'
import type { Actor } from '../partners/scope.ts'
import { customers } from './schema.ts'
import type { CustomerCategory, CustomerStatus } from './validation.ts'

export const SORT_KEYS = ['id', 'name', 'login', 'status', 'created'] as const
export type SortKey = (typeof SORT_KEYS)[number]

export interface CustomerQuery {
  /** Search-as-you-type over name, login, e-mail, phone and address; digits also match the id exactly. */
  q?: string
  status?: CustomerStatus
  partnerId?: number
  category?: CustomerCategory
  city?: string
  sort?: SortKey
  order?: 'asc' | 'desc'
  limit?: number
  offset?: number
  /**
   * 'estimate' (default): exact when few match, else PostgreSQL's planner estimate; 'exact' counts every
   * match (slow for broad searches on big tables); 'none' skips counting.
   */
  count?: 'estimate' | 'exact' | 'none'
}

/** Up to this many matches are counted exactly in 'estimate' mode; above it the planner's estimate is used. */
export const EXACT_COUNT_LIMIT = 250
export const MAX_LIMIT = 500

/** The columns a list shows and exports. */
const listColumns = {
  id: customers.id,
  partnerId: customers.partnerId,
  login: customers.login,
  status: customers.status,
  category: customers.category,
  name: customers.name,
  email: customers.email,
  billingEmail: customers.billingEmail,
  phone: customers.phone,
  street: customers.street,
  city: customers.city,
  zip: customers.zip,
  country: customers.country,
  language: customers.language,
  companyName: customers.companyName,
  vatId: customers.vatId,
  billingDay: customers.billingDay,
  customFields: customers.customFields,
  dateAdded: customers.dateAdded,
  createdAt: customers.createdAt,
}

export type CustomerListRow = {
  [K in keyof typeof listColumns]: (typeof customers.$inferSelect)[K]
}

export interface CustomerPage {
  items: CustomerListRow[]
  /** How many match; null when not counted. */
  total: number | null
  /** False when total is an estimate (broad searches on big tables). */
  totalExact: boolean
  limit: number
  offset: number
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, '\\$&')

/*
 * The list is the panel's and the API's busiest read, so its statements are plain SQL text:
 * - values are literals, not bind parameters: the `postgres` driver sends an unprepared statement with
 *   parameters in two round trips (Parse/Describe, wait for the parameter types, then Bind/Execute) and
 *   one without in a single round trip. Prepared statements are no way out: after five runs PostgreSQL
 *   may switch a prepared LIKE search to a generic plan that ignores the term (a primary-key walk over
 *   the whole table for a rare word).
 * - table and column names are rendered from the schema once, not by drizzle's builder on every request
 *   (which costs more than the statement itself for a short search).
 */
const dialect = new PgDialect({ casing: 'snake_case' })
const render = (fragment: SQL): string => dialect.sqlToQuery(fragment).sql
const T = render(sql`${customers}`)
const C = {
  id: render(sql`${customers.id}`),
  partnerId: render(sql`${customers.partnerId}`),
  status: render(sql`${customers.status}`),
  category: render(sql`${customers.category}`),
  city: render(sql`${customers.city}`),
  searchText: render(sql`${customers.searchText}`),
}
const listKeys = Object.keys(listColumns) as (keyof typeof listColumns)[]
const SELECTION = listKeys.map((k) => `${render(sql`${listColumns[k]}`)} as "${k}"`).join(', ')

/** A string as an SQL literal: E'' with backslashes and quotes doubled is safe whatever standard_conforming_strings says. */
function text(value: string): string {
  return `E'${value.replace(/\0/g, '').replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/** A whole number as an SQL literal. */
function int(value: number, field: string): string {
  if (!Number.isSafeInteger(value)) throw new ValidationError([{ field, message: 'must be a whole number' }])
  return String(value)
}

/** The WHERE conditions of a customer list as SQL text: partner scope, filters and search words (each must appear). */
function conditions(actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): string[] {
  const conds: string[] = []
  if (actor.partnerIds !== null) {
    const ids = actor.partnerIds.length ? actor.partnerIds : [-1]
    conds.push(`${C.partnerId} in (${ids.map((id) => int(id, 'partnerIds')).join(', ')})`)
  }
  if (query.partnerId !== undefined) conds.push(`${C.partnerId} = ${int(query.partnerId, 'partnerId')}`)
  if (query.status) conds.push(`${C.status} = ${text(query.status)}`)
  if (query.category) conds.push(`${C.category} = ${text(query.category)}`)
  if (query.city?.trim()) conds.push(`lower(${C.city}) = ${text(query.city.trim().toLowerCase())}`)
  const words = (query.q ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)
  if (words.length === 1 && /^\d{1,9}$/.test(words[0]!)) {
    // A number is an id, or part of a login, phone or zip.
    conds.push(`(${C.id} = ${int(Number(words[0]), 'q')} or ${C.searchText} like ${text(`%${escapeLike(words[0]!)}%`)})`)
  } else {
    // search_text is lower-cased by the table itself, so LIKE on a lower-cased term uses the trigram index.
    for (const w of words) conds.push(`${C.searchText} like ${text(`%${escapeLike(w)}%`)}`)
  }
  return conds
}

/** The WHERE of a customer list: partner scope, filters and search words (each must appear). */
export function customerFilter(actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): SQL | undefined {
  const conds = conditions(actor, query)
  return conds.length ? sql.raw(conds.join(' and ')) : undefined
}

const SORT_COLUMNS = { id: 'id', name: 'name', login: 'login', status: 'status', created: 'createdAt' } as const

/** ORDER BY of a list; `outer` names the columns by their list aliases (over a subquery of the list). */
function orderBy(query: CustomerQuery, outer = false): string {
  const dir = query.order === 'desc' ? ' desc' : ' asc'
  const key = SORT_COLUMNS[query.sort ?? 'id']
  const ref = (k: keyof typeof listColumns) => (outer ? `"${k}"` : render(sql`${listColumns[k]}`))
  return key === 'id' ? `${ref('id')}${dir}` : `${ref(key)}${dir}, ${ref('id')}${dir}`
}

/** A raw list row (columns named by their list keys) as drizzle would map it. */
function listRow(raw: Record<string, unknown>): CustomerListRow {
  const row: Record<string, unknown> = {}
  for (const k of listKeys) {
    const v = raw[k]
    row[k] = v === null || v === undefined ? null : listColumns[k].mapFromDriverValue(v as never)
  }
  return row as CustomerListRow
}

const run = <T>(db: DbOrTx, text: string) => rawRows<T>(db, text)

/** One page of customers for the panel, the API and the export: same filters, same order. */
export async function searchCustomers(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): Promise<CustomerPage> {
  const conds = conditions(actor, query)
  const filter = conds.length ? ` where ${conds.join(' and ')}` : ''
  const limit = Math.min(Math.max(query.limit ?? 25, 1), MAX_LIMIT)
  const offset = Math.max(query.offset ?? 0, 0)
  const mode = query.count ?? 'estimate'
  const order = orderBy(query)
  const paging = ` limit ${int(limit, 'limit')} offset ${int(offset, 'offset')}`
  const page = async () =>
    (await run<Record<string, unknown>>(db, `select ${SELECTION} from ${T}${filter} order by ${order}${paging}`)).map(listRow)
  const result = (items: CustomerListRow[], total: number | null, totalExact: boolean): CustomerPage => ({
    items,
    total,
    totalExact,
    limit,
    offset,
  })
  // A page that is not full tells the exact total without any count.
  const filled = (items: CustomerListRow[]) => items.length < limit && (items.length > 0 || offset === 0)

  if (mode !== 'estimate') {
    const items = await page()
    if (mode === 'none') return result(items, null, false)
    if (filled(items)) return result(items, offset + items.length, true)
    return result(items, await countMatches(db, filter, 'exact'), true)
  }
  // Counting thousands of matches means reading and rechecking every one of them, which costs far more
  // than the page: the planner's estimate (planning only, nothing is read) decides first.
  const estimate = await plannedRows(db, `select 1 from ${T}${filter}`)
  if (estimate > EXACT_COUNT_LIMIT * 4) {
    const items = await page()
    return filled(items) ? result(items, offset + items.length, true) : result(items, estimate, false)
  }
  // Few expected: the page and the number of matches (up to EXACT_COUNT_LIMIT past the offset) in one
  // statement, which reads the matches once; a bitmap scan reads all of them for the page anyway.
  const window = offset + EXACT_COUNT_LIMIT + 1
  const found = await run<Record<string, unknown> & { matches: number }>(
    db,
    `select *, (count(*) over ())::int as "matches" from (select ${SELECTION} from ${T}${filter} order by ${order} limit ${int(window, 'offset')}) m order by ${orderBy(query, true)}${paging}`,
  )
  const items = found.map(listRow)
  if (found.length === 0 && offset > 0) {
    // Past the last match: the window said nothing.
    const n = await countMatches(db, filter, 'estimate')
    return n <= EXACT_COUNT_LIMIT ? result(items, n, true) : result(items, Math.max(estimate, n), false)
  }
  const n = Number(found[0]?.matches ?? 0)
  if (n < window) return result(items, n, true)
  return result(items, Math.max(estimate, n), false)
}

/** All matches ('exact'), or at most EXACT_COUNT_LIMIT + 1 of them: the LIMIT stops the scan early. */
async function countMatches(db: DbOrTx, filter: string, mode: 'estimate' | 'exact'): Promise<number> {
  const [row] = await run<{ n: number }>(
    db,
    mode === 'exact'
      ? `select count(*)::int as n from ${T}${filter}`
      : `select count(*)::int as n from (select 1 from ${T}${filter} limit ${EXACT_COUNT_LIMIT + 1}) s`,
  )
  return Number(row?.n ?? 0)
}

/** The planner's row estimate of a query (EXPLAIN without running it). */
async function plannedRows(db: DbOrTx, query: string): Promise<number> {
  const [row] = await run<Record<string, unknown>>(db, `explain (format json) ${query}`)
  let plan = row ? Object.values(row)[0] : undefined
  if (typeof plan === 'string') plan = JSON.parse(plan)
  const rowsEstimate = (plan as { Plan?: { 'Plan Rows'?: number } }[] | undefined)?.[0]?.Plan?.['Plan Rows']
  return Math.round(Number(rowsEstimate ?? 0))
}

/** Every matching customer in list order, in batches (for the CSV export): ids first, then rows by id. */
export async function* iterateCustomers(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  query: CustomerQuery,
  batch = 1000,
): AsyncGenerator<CustomerListRow> {
  const where = customerFilter(actor, query)
  const ids = (await db.select({ id: customers.id }).from(customers).where(where).orderBy(sql.raw(orderBy(query)))).map((r) => r.id)
  for (let i = 0; i < ids.length; i += batch) {
    const chunk = ids.slice(i, i + batch)
    const found = await db.select(listColumns).from(customers).where(inArray(customers.id, chunk))
    const byId = new Map(found.map((r) => [r.id, r]))
    for (const id of chunk) {
      const row = byId.get(id)
      if (row) yield row
    }
  }
}

/** Cities in use, for the filter drop-down (within the actor's partners). */
export async function customerCities(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>): Promise<string[]> {
  const found = await db
    .selectDistinct({ city: customers.city })
    .from(customers)
    .where(and(customerFilter(actor, {}), sql`${customers.city} is not null`))
    .orderBy(customers.city)
    .limit(500)
  return found.map((r) => r.city!).filter(Boolean)
}
