import { sql, type SQL } from 'drizzle-orm'

// Lists sent as ONE bind parameter (a PostgreSQL array literal) rather than one parameter per element:
// a batch's thousands of keys or ids cost one small statement, not a query the builder and the driver
// assemble parameter by parameter.

/** An element of an array literal, double-quoted with its backslashes and quotes escaped. */
const quoted = (v: string) => `"${v.replace(/[\\"]/g, '\\$&')}"`

export function textArray(list: readonly string[]): SQL {
  return sql`${`{${list.map(quoted).join(',')}}`}::text[]`
}

export function intArray(list: readonly number[]): SQL {
  for (const n of list) if (!Number.isSafeInteger(n)) throw new TypeError(`not a whole number id: ${n}`)
  return sql`${`{${list.join(',')}}`}::int[]`
}

/** Dates as 'YYYY-MM-DD' (or null). */
export function dateArray(list: readonly (string | null)[]): SQL {
  return sql`${`{${list.map((d) => (d === null ? 'NULL' : quoted(d))).join(',')}}`}::date[]`
}
