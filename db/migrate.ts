import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url))
const MIGRATION_LOCK = 7_411_001

/**
 * Applies pending migrations. drizzle's migrator takes no lock, so a client of exactly one connection
 * holds a PostgreSQL advisory lock around it: two processes starting at once migrate one after the other.
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`
    try {
      await migrate(drizzle(sql, { casing: 'snake_case' }), { migrationsFolder })
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`
    }
  } finally {
    await sql.end({ timeout: 5 })
  }
}
