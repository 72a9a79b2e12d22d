import type { FastifyBaseLogger } from 'fastify'
import type { Sql } from 'postgres'
import type { Config } from '../../config/index.ts'
import type { Db, DbOrTx } from '../../db/client.ts'
import type { Clock } from './clock.ts'

/** What every domain function, route and plugin gets: the database, the clock, config and a logger. */
export interface AppContext {
  db: Db
  sql: Sql
  /** URL of the database, for worker threads (Bree jobs) to connect to the same one. */
  databaseUrl: string
  config: Config
  clock: Clock
  log: FastifyBaseLogger
  /** Writes a domain event in the caller's transaction (see kernel/events/outbox.ts). */
  emit(tx: DbOrTx, type: string, payload: Record<string, unknown>): Promise<void>
}
