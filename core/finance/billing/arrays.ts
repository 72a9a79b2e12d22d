import { sql, type SQL } from 'drizzle-orm'

/**
 * A list sent as ONE bind parameter (a PostgreSQL array literal) rather than one parameter per
 * element: a batch's thousands of keys or ids cost one small statement, not a query the builder and
 * the driver assemble parameter by parameter.
 */
export function textArray(list: readonly string[]): SQL {
  return sql`${`{${list.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`}::text[]`
}

export function intArray(list: readonly number[]): SQL {
  for (const n of list) if (!Number.isSafeInteger(n)) throw new TypeError(`not a whole number id: ${n}`)
  return sql`${`{${list.join(',')}}`}::int[]`
}

/** Dates as 'YYYY-MM-DD' (or null). */
export function dateArray(list: readonly (string | null)[]): SQL {
  return sql`${`{${list.map((d) => (d === null ? 'NULL' : `"${d.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`}::date[]`
}
