import { and, inArray, sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { preparedRows, rawRows, type DbOrTx } from '../../db/client.ts'
import { ValidationError } from '../kernel/errors.ts'
import type { Actor } from '../partners/scope.ts'
import { estimateMatches, isIdTerm, sampleWasWrong, searchWords } from './search-sample.ts'
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
   * 'estimate' (default): exact when few match, else an estimate from a sample of the table; 'exact'
   * counts every match (slow for broad searches on big tables); 'none' skips counting.
   */
  count?: 'estimate' | 'exact' | 'none'
}

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

/** How a condition writes its values: as literals in the text, or as parameters of a prepared statement. */
interface Values {
  str(value: string): string
  int(value: number, field: string): string
}

const literals: Values = { str: text, int }

/** Values as $1, $2, … with the list of their values. */
function parameters(): Values & { params: (string | number)[] } {
  const params: (string | number)[] = []
  const add = (v: string | number) => `$${params.push(v)}`
  return { params, str: (v) => add(v.replace(/\0/g, '')), int: (v, field) => add(Number(int(v, field))) }
}

/**
 * The WHERE conditions of a customer list as SQL text: partner scope, filters and search words (each must
 * appear). `indexed: false` writes the words as strpos() tests, which the trigram index cannot serve: the
 * planner then walks the sort order's index and stops at the page, which is what a broad search wants.
 */
function conditions(actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery, indexed = true, v: Values = literals): string[] {
  const conds: string[] = []
  if (actor.partnerIds !== null) {
    const ids = actor.partnerIds.length ? actor.partnerIds : [-1]
    conds.push(`${C.partnerId} in (${ids.map((id) => v.int(id, 'partnerIds')).join(', ')})`)
  }
  if (query.partnerId !== undefined) conds.push(`${C.partnerId} = ${v.int(query.partnerId, 'partnerId')}`)
  if (query.status) conds.push(`${C.status} = ${v.str(query.status)}`)
  if (query.category) conds.push(`${C.category} = ${v.str(query.category)}`)
  if (query.city?.trim()) conds.push(`lower(${C.city}) = ${v.str(query.city.trim().toLowerCase())}`)
  // search_text is lower-cased by the table itself, so LIKE on a lower-cased term uses the trigram index.
  const word = (w: string) =>
    indexed ? `${C.searchText} like ${v.str(`%${escapeLike(w)}%`)}` : `strpos(${C.searchText}, ${v.str(w)}) > 0`
  const words = searchWords(query.q)
  if (isIdTerm(words)) {
    // A number is an id, or part of a login, phone or zip.
    conds.push(`(${C.id} = ${v.int(Number(words[0]), 'q')} or ${word(words[0]!)})`)
  } else {
    for (const w of words) conds.push(word(w))
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

/**
 * The list columns the driver hands over in another form than drizzle's: the timestamp and the date
 * (drizzle has the driver leave them as text), and JSON on drivers that do not decode it.
 */
const MAPPED = ['createdAt', 'dateAdded', 'customFields'] as const

/** A raw list row (columns named by their list keys) as drizzle would map it, in place. */
function listRow(raw: Record<string, unknown>): CustomerListRow {
  for (const k of MAPPED) {
    const v = raw[k]
    raw[k] = v === null || v === undefined ? null : listColumns[k].mapFromDriverValue(v as never)
  }
  if ('matches' in raw) delete raw.matches
  return raw as CustomerListRow
}

const run = <T>(db: DbOrTx, text: string) => rawRows<T>(db, text)

/*
 * Two ways to read a page, chosen by the sample's estimate of the matches (search-sample.ts):
 * - few matches: every match through the trigram index (about 5 µs each: the index gives candidates,
 *   each is read and rechecked), sorted, with their exact count; materialized, so the planner cannot
 *   turn it into a walk of the whole primary key in search of a page it expects to find early;
 * - many: walk the sort order's index and test each row until the page is full (about 0.5 µs a row,
 *   total rows walked = (offset + limit) / share of matches); the total shown is the estimate.
 * The cheaper one by that arithmetic wins; both cost about 2.5 ms where they meet (500 matches in
 * 100,000 for a first page), far from the 50 ms of the planner's wrong guesses.
 */
const WALK_ROWS_PER_MATCH_READ = 10
/** Reading this many matches costs about a millisecond: an exact count is worth it whatever a walk would cost. */
const ALWAYS_READ_ALL = 200

function fewMatches(matches: number, tableRows: number, offset: number, limit: number): boolean {
  if (matches <= ALWAYS_READ_ALL) return true
  const walked = ((offset + limit) * tableRows) / matches
  return matches * WALK_ROWS_PER_MATCH_READ <= walked
}

/** One page of customers for the panel, the API and the export: same filters, same order. */
export async function searchCustomers(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): Promise<CustomerPage> {
  const limit = Math.min(Math.max(query.limit ?? 25, 1), MAX_LIMIT)
  const offset = Math.max(query.offset ?? 0, 0)
  const mode = query.count ?? 'estimate'
  const order = orderBy(query)
  const paging = ` limit ${int(limit, 'limit')} offset ${int(offset, 'offset')}`
  const where = (conds: string[]) => (conds.length ? ` where ${conds.join(' and ')}` : '')
  const indexed = where(conditions(actor, query))
  const result = (items: CustomerListRow[], total: number | null, totalExact: boolean): CustomerPage => ({
    items,
    total,
    totalExact,
    limit,
    offset,
  })
  const estimate = await estimateMatches(db, actor, query)

  if (fewMatches(estimate.matches, estimate.tableRows, offset, limit)) {
    const found = await run<Record<string, unknown> & { matches: number }>(
      db,
      `with m as materialized (select ${SELECTION} from ${T}${indexed}) select *, (count(*) over ())::int as "matches" from m order by ${orderBy(query, true)}${paging}`,
    )
    const counted = found.length ? Number(found[0]!.matches) : null
    const items = found.map(listRow)
    if (mode === 'none') return result(items, null, false)
    // Past the last match the window says nothing.
    const n = counted ?? (offset > 0 ? await countMatches(db, indexed) : 0)
    if (n > Math.max(estimate.matches, limit) * 4) sampleWasWrong(db)
    return result(items, n, true)
  }

  // The walk's plan does not depend on the values: a first page is a prepared statement (parsed and planned
  // once per connection); later pages keep their offset in the text, so their number stays unbounded.
  const values = parameters()
  const walked = where(conditions(actor, query, false, offset === 0 ? values : literals))
  const pageText = `select ${SELECTION} from ${T}${walked} order by ${order}${paging}`
  const items = (
    offset === 0 ? await preparedRows<Record<string, unknown>>(db, pageText, values.params) : await run<Record<string, unknown>>(db, pageText)
  ).map(listRow)
  if (mode === 'none') return result(items, null, false)
  // A page that is not full tells the exact total without any count.
  if (items.length < limit && (items.length > 0 || offset === 0)) {
    if (estimate.matches > (offset + items.length) * 4) sampleWasWrong(db)
    return result(items, offset + items.length, true)
  }
  if (mode === 'exact') return result(items, await countMatches(db, indexed), true)
  return result(items, Math.max(estimate.matches, offset + items.length), false)
}

async function countMatches(db: DbOrTx, filter: string): Promise<number> {
  const [row] = await run<{ n: number }>(db, `select count(*)::int as n from ${T}${filter}`)
  return Number(row?.n ?? 0)
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
