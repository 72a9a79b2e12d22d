import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { FastifyReply } from 'fastify'
import { Type, type Static } from 'typebox'
import { isIsoDate } from '../../kernel/dates.ts'
import { dec, isDecimalString } from '../../kernel/money.ts'
import type { PageQuery } from './paging.ts'

export const hide = true
export const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
export const PanelQuery = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })
export type Form = Static<typeof FormBody>
export type Query = Static<typeof PanelQuery>
export type Id = { Params: Static<typeof IdParams> }

/** The last value of each key, without the CSRF token. */
export function formInput(body: Form): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, raw] of Object.entries(body ?? {})) {
    if (k === '_csrf') continue
    out[k] = (Array.isArray(raw) ? raw.at(-1) : raw) ?? ''
  }
  return out
}

/** Rows of a repeated form group (`lines.0.description`, `lines.0.amount` ...), rows left entirely blank dropped. */
export function rowsFrom(input: Record<string, string>, prefix: string): Record<string, string>[] {
  const rows: Record<number, Record<string, string>> = {}
  const re = new RegExp(`^${prefix}\\.(\\d+)\\.(\\w+)$`)
  for (const [k, v] of Object.entries(input)) {
    const m = re.exec(k)
    if (!m) continue
    const row = rows[Number(m[1])] ?? {}
    row[m[2]!] = v
    rows[Number(m[1])] = row
  }
  return Object.keys(rows)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => rows[i]!)
    .filter((r) => Object.values(r).some((v) => v.trim() !== ''))
}

/** Form rows in the order the user saw them: errors on `lines.N` of the compacted list map back to these indexes. */
export function lineIndexes(input: Record<string, string>, prefix: string): number[] {
  const seen = new Map<number, boolean>()
  const re = new RegExp(`^${prefix}\\.(\\d+)\\.(\\w+)$`)
  for (const [k, v] of Object.entries(input)) {
    const m = re.exec(k)
    if (m) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? false) || v.trim() !== '')
  }
  return [...seen.entries()].filter(([, used]) => used).map(([i]) => i).sort((a, b) => a - b)
}

export function errorsToForm(errors: Record<string, string>, prefix: string, indexes: number[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(errors)) {
    const m = new RegExp(`^${prefix}\\.(\\d+)\\.(\\w+)$`).exec(k)
    out[m ? `${prefix}.${indexes[Number(m[1])] ?? m[1]}.${m[2]}` : k] = v
  }
  return out
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.at(-1) : v)?.trim() || undefined

/** Paging and sorting of a panel list from its query string; bad values are ignored, not errors. */
export function pageQuery(q: Query, sorts: readonly string[]): PageQuery {
  const page = Number(one(q.page))
  const sort = one(q.sort)
  const dir = one(q.dir)
  return {
    page: Number.isInteger(page) && page > 0 ? page : 1,
    perPage: 25,
    ...(sort && sorts.includes(sort) ? { sort } : {}),
    ...(dir === 'asc' || dir === 'desc' ? { dir } : {}),
  }
}

export function text(q: Query, key: string): string | undefined {
  return one(q[key])
}
export function day(q: Query, key: string): string | undefined {
  const v = one(q[key])
  return v && isIsoDate(v) ? v : undefined
}
export function int(q: Query, key: string): number | undefined {
  const v = Number(one(q[key]))
  return Number.isInteger(v) && v > 0 && v <= 2_147_483_647 ? v : undefined
}
export function oneOf<T extends string>(q: Query, key: string, values: readonly T[]): T | undefined {
  const v = one(q[key])
  return v && (values as readonly string[]).includes(v) ? (v as T) : undefined
}

/** Streams rows as a CSV download. */
export function sendCsv(reply: FastifyReply, name: string, rows: AsyncIterable<unknown[]> | Iterable<unknown[]>): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(Readable.from(rows).pipe(stringify()))
}

/** Money as the panel shows it: two decimals. */
export const money = (v: string | null | undefined) => (v === null || v === undefined ? '' : isDecimalString(v) ? dec(v).toFixed(2) : v)
/** Quantities and unit prices: as many decimals as they have, no padding. */
export const plainNumber = (v: string | null | undefined) => (v === null || v === undefined ? '' : isDecimalString(v) ? dec(v).toFixed() : v)
