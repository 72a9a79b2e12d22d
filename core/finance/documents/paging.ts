import { asc, desc, type AnyColumn, type SQL } from 'drizzle-orm'

export const PER_PAGE = 25
export const MAX_PER_PAGE = 500

export interface PageQuery {
  page?: number
  perPage?: number
  sort?: string
  dir?: 'asc' | 'desc'
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  perPage: number
}

/** Limit/offset of a page (1-based), clamped. */
export function window(q: PageQuery): { page: number; perPage: number; offset: number } {
  const perPage = Math.min(Math.max(1, Math.trunc(q.perPage ?? PER_PAGE)), MAX_PER_PAGE)
  const page = Math.max(1, Math.trunc(q.page ?? 1))
  return { page, perPage, offset: (page - 1) * perPage }
}

/** ORDER BY of a whitelisted sort key, ties broken by the id (newest first by default). */
export function ordering(columns: Record<string, AnyColumn>, q: PageQuery, fallback: string, id: AnyColumn): SQL[] {
  const column = columns[q.sort ?? ''] ?? columns[fallback]!
  const dir = q.dir ?? (q.sort ? 'asc' : 'desc')
  return dir === 'asc' ? [asc(column), asc(id)] : [desc(column), desc(id)]
}
