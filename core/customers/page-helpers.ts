import type { FastifyRequest } from 'fastify'
import type { DbOrTx } from '../../db/client.ts'
import { partnerOptions } from '../partners/service.ts'
import type { CustomerQuery, SortKey } from './search.ts'
import { SORT_KEYS } from './search.ts'
import { CUSTOMER_CATEGORIES, CUSTOMER_STATUSES, type CustomerCategory, type CustomerStatus } from './validation.ts'

export const PER_PAGE = 25

/** The panel list's query string (q, status, partner, category, city, sort, dir, page) as a search query. */
export function panelQuery(raw: Record<string, string | undefined>): { query: CustomerQuery; page: number; filtered: boolean } {
  const page = Math.max(1, Math.min(Number.parseInt(raw.page ?? '1', 10) || 1, 100_000))
  const status = (CUSTOMER_STATUSES as readonly string[]).includes(raw.status ?? '') ? (raw.status as CustomerStatus) : undefined
  const category = (CUSTOMER_CATEGORIES as readonly string[]).includes(raw.category ?? '') ? (raw.category as CustomerCategory) : undefined
  const partner = /^\d{1,9}$/.test(raw.partner ?? '') ? Number(raw.partner) : undefined
  const sort = (SORT_KEYS as readonly string[]).includes(raw.sort ?? '') ? (raw.sort as SortKey) : undefined
  const query: CustomerQuery = {
    q: raw.q?.slice(0, 200),
    status,
    category,
    partnerId: partner,
    city: raw.city || undefined,
    sort,
    order: raw.dir === 'desc' ? 'desc' : 'asc',
    limit: PER_PAGE,
    offset: (page - 1) * PER_PAGE,
  }
  const filtered = Boolean(query.q?.trim() || status || category || partner || query.city)
  return { query, page, filtered }
}

/** Partners the admin may use, and their names by id. */
export async function partnerChoices(
  db: DbOrTx,
  request: FastifyRequest,
): Promise<{ partners: { id: number; name: string }[]; partnerNames: Record<number, string> }> {
  // null partnerIds means every partner; no admin at all means none.
  const partners = await partnerOptions(db, { partnerIds: request.admin ? request.admin.partnerIds : [] })
  return { partners, partnerNames: Object.fromEntries(partners.map((p) => [p.id, p.name])) }
}

/** Splits a flat form body: `customFields.<name>` keys become the customFields object. */
export function formToInput(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  const custom: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    if (key === '_csrf') continue
    const v = Array.isArray(value) ? value.at(-1) : value
    if (key.startsWith('customFields.')) custom[key.slice('customFields.'.length)] = v
    else input[key] = v
  }
  if (Object.keys(custom).length) input.customFields = custom
  return input
}

/** Form values from a customer, for the edit form. */
export function formValues(c: Record<string, unknown> & { customFields: Record<string, string> }): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c }
  for (const [k, v] of Object.entries(c.customFields)) out[`customFields.${k}`] = v
  return out
}
