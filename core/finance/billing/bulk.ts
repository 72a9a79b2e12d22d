import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'

/**
 * A multi-row insert sent as ONE jsonb parameter unpacked by jsonb_to_recordset: a thousand invoices
 * cost one small statement to plan instead of tens of thousands of bound parameters for the query
 * builder to assemble. Columns are [snake_case name, PostgreSQL type]; rows use the same names.
 */
export async function insertRecords<R = Record<string, unknown>>(
  db: DbOrTx,
  table: string,
  columns: readonly (readonly [string, string])[],
  records: readonly Record<string, unknown>[],
  returning?: string,
): Promise<R[]> {
  if (!records.length) return []
  if (!/^[a-z_]+$/.test(table) || columns.some(([c, t]) => !/^[a-z_]+$/.test(c) || !/^[a-z_ ()0-9,]+$/.test(t)))
    throw new Error('insertRecords: bad table or column')
  const names = columns.map(([c]) => c).join(', ')
  const defs = columns.map(([c, t]) => `${c} ${t}`).join(', ')
  const ret = returning ? ` returning ${returning}` : ''
  return rows<R>(
    db,
    sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as x(${sql.raw(defs)})${sql.raw(ret)}`,
  )
}
