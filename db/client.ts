import postgres, { type Sql } from 'postgres'
import { sql } from 'drizzle-orm'
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import * as schema from './schema.ts'

export type Schema = typeof schema
export type Db = PostgresJsDatabase<Schema>
/** A transaction handle; domain functions accept `Db | Tx` as `DbOrTx`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type DbOrTx = Db | Tx

export interface DbHandle {
  db: Db
  sql: Sql
  url: string
  close(): Promise<void>
}

/** Connects the `postgres` driver and drizzle to a PostgreSQL URL (a real server or the embedded one). */
export function connect(url: string, options: { max?: number; onClose?: () => Promise<void> } = {}): DbHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    idle_timeout: 30,
    connection: { application_name: 'uplink' },
  })
  const db = drizzle(sql, { schema, casing: 'snake_case' })
  return {
    db,
    sql,
    url,
    async close() {
      await sql.end({ timeout: 5 })
      await options.onClose?.()
    },
  }
}

/** Rows of a raw SQL statement run through drizzle, the same shape on every driver. */
export async function rows<T>(db: DbOrTx, query: Parameters<Db['execute']>[0]): Promise<T[]> {
  const result = (await db.execute(query)) as unknown
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

/**
 * Rows of a statement given as finished SQL text (no parameters), sent straight to the `postgres` client
 * under drizzle's session (the transaction's, inside one): the hot read paths render their SQL once and
 * skip drizzle's per-call query building. Same type parsers as drizzle's own queries.
 */
export async function rawRows<T>(db: DbOrTx, text: string): Promise<T[]> {
  const client = (db as unknown as { session?: { client?: Sql } }).session?.client
  if (client?.unsafe) return (await client.unsafe(text)) as unknown as T[]
  return rows<T>(db, sql.raw(text))
}

/**
 * Rows of a statement whose shape never changes, with its values as parameters ($1, $2, …): prepared once
 * per connection under a name (the driver's names are random per connection, so the embedded server's one
 * backend keeps them apart), then each run is one round trip that PostgreSQL neither parses nor plans
 * again. For statements whose best plan does not depend on the values, such as a lookup by key.
 */
export async function preparedRows<T>(db: DbOrTx, text: string, params: (string | number | null)[]): Promise<T[]> {
  const client = (db as unknown as { session?: { client?: Sql } }).session?.client
  if (client?.unsafe) return (await client.unsafe(text, params, { prepare: true })) as unknown as T[]
  const parts = text.split(/\$(\d+)/)
  return rows<T>(db, sql.join(parts.map((part, i) => (i % 2 ? sql`${params[Number(part) - 1]}` : sql.raw(part)))))
}
