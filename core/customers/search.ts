import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../db/client.ts'
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

/** The WHERE of a customer list: partner scope, filters and search words (each must appear). */
export function customerFilter(actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): SQL | undefined {
  const conds: SQL[] = []
  if (actor.partnerIds !== null) conds.push(inArray(customers.partnerId, actor.partnerIds.length ? actor.partnerIds : [-1]))
  if (query.partnerId !== undefined) conds.push(eq(customers.partnerId, query.partnerId))
  if (query.status) conds.push(eq(customers.status, query.status))
  if (query.category) conds.push(eq(customers.category, query.category))
  if (query.city?.trim()) conds.push(sql`lower(${customers.city}) = ${query.city.trim().toLowerCase()}`)
  const words = (query.q ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)
  if (words.length === 1 && /^\d{1,9}$/.test(words[0]!)) {
    // A number is an id, or part of a login, phone or zip.
    conds.push(sql`(${customers.id} = ${Number(words[0])} or ${customers.searchText} like ${`%${escapeLike(words[0]!)}%`})`)
  } else {
    // search_text is lower-cased by the table itself, so LIKE on a lower-cased term uses the trigram index.
    for (const w of words) conds.push(sql`${customers.searchText} like ${`%${escapeLike(w)}%`}`)
  }
  return conds.length ? and(...conds) : undefined
}

function orderBy(query: CustomerQuery): SQL[] {
  const dir = query.order === 'desc' ? desc : asc
  const key = query.sort ?? 'id'
  const col = { id: customers.id, name: customers.name, login: customers.login, status: customers.status, created: customers.createdAt }[key]
  return key === 'id' ? [dir(customers.id)] : [dir(col), dir(customers.id)]
}

/** One page of customers for the panel, the API and the export: same filters, same order. */
export async function searchCustomers(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, query: CustomerQuery): Promise<CustomerPage> {
  const where = customerFilter(actor, query)
  const limit = Math.min(Math.max(query.limit ?? 25, 1), MAX_LIMIT)
  const offset = Math.max(query.offset ?? 0, 0)
  const mode = query.count ?? 'estimate'
  const items = await db
    .select(listColumns)
    .from(customers)
    .where(where)
    .orderBy(...orderBy(query))
    .limit(limit)
    .offset(offset)
  if (mode === 'none') return { items, total: null, totalExact: false, limit, offset }
  // A page that is not full tells the exact total without any count.
  if (items.length < limit && (items.length > 0 || offset === 0)) {
    return { items, total: offset + items.length, totalExact: true, limit, offset }
  }
  const filter = where ? sql`where ${where}` : sql``
  if (mode === 'exact') return { items, total: await countMatches(db, filter, 'exact'), totalExact: true, limit, offset }
  // Counting thousands of matches means reading and rechecking every one of them, which costs far more
  // than the page: a broad search gets the planner's estimate (planning only, nothing is read).
  const estimate = await plannedRows(db, sql`select 1 from ${customers} ${filter}`)
  if (estimate > EXACT_COUNT_LIMIT * 4) return { items, total: estimate, totalExact: false, limit, offset }
  const n = await countMatches(db, filter, 'estimate')
  if (n <= EXACT_COUNT_LIMIT) return { items, total: n, totalExact: true, limit, offset }
  return { items, total: Math.max(estimate, n), totalExact: false, limit, offset }
}

/** All matches ('exact'), or at most EXACT_COUNT_LIMIT + 1 of them: the LIMIT stops the scan early. */
async function countMatches(db: DbOrTx, filter: SQL, mode: 'estimate' | 'exact'): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    mode === 'exact'
      ? sql`select count(*)::int as n from ${customers} ${filter}`
      : sql`select count(*)::int as n from (select 1 from ${customers} ${filter} limit ${EXACT_COUNT_LIMIT + 1}) s`,
  )
  return Number(row?.n ?? 0)
}

/** The planner's row estimate of a query (EXPLAIN without running it). */
async function plannedRows(db: DbOrTx, query: SQL): Promise<number> {
  const [row] = await rows<Record<string, unknown>>(db, sql`explain (format json) ${query}`)
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
  const ids = (await db.select({ id: customers.id }).from(customers).where(where).orderBy(...orderBy(query))).map((r) => r.id)
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
