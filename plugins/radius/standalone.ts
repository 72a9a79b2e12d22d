/**
 * The RADIUS server on a database, without the web app: for benchmarks and scripts.
 *
 *   import { startRadius } from '../../plugins/radius/standalone.ts'
 *   const radius = await startRadius({ sql, instanceKey, authPort: 0, acctPort: 0 })
 *   // radius.authPort / radius.acctPort: the bound UDP ports
 *   // radius.counters(): received / dropped / replies per kind (server/counters.ts)
 *   // radius.accountingStats(): transactions, records, duplicates, largest batch (group commit)
 *   await radius.close()
 *
 * What it needs:
 * - `sql`: a `postgres` connection (DbHandle.sql) to a migrated database (db/migrate.ts) — the core
 *   tables plus this plugin's (radius_nas, radius_sessions, radius_accounting, ...). Give it a pool of
 *   a few connections (max 4+): accounting transactions, the change feed and the auth log share it.
 * - `instanceKey`: the key that sealed services.password_encrypted and radius_nas.secret_encrypted
 *   (core's encryptSecret(key, plain), exported by core/plugin-api.ts).
 * - Rows: radius_nas with the load generator's source address (e.g. '127.0.0.1') and its sealed secret;
 *   internet services (type 'internet', status 'active', login, sealed password) of customers whose
 *   status is not blocked/inactive, on internet plans with speeds. Everything is loaded into memory at
 *   start (100,000 services in a few seconds); auth never queries the database afterwards.
 * Accounting-Responses are sent only after the transaction holding the record committed.
 */
import type { Sql } from 'postgres'
import { RadiusRuntime } from './runtime.ts'
import type { CountersSnapshot } from './server/counters.ts'
import { defaultReplyPolicy, type ReplyPolicy } from './server/policy.ts'
import type { AccountingStoreStats } from './store/accounting-store.ts'

export interface StartRadiusOptions {
  sql: Sql
  instanceKey: string
  /** 0 picks a free port. */
  authPort: number
  acctPort: number
  /** Default 127.0.0.1. */
  host?: string
  /** Usage days are counted in this zone; default UTC. */
  timeZone?: string
  /** Default: the plugin's default settings (reject pool on, interim 300 s). */
  policy?: ReplyPolicy
  /** SO_RCVBUF of the sockets; default 8 MiB. */
  receiveBufferBytes?: number
  /** Accounting statements in flight at once (the pool needs that many connections); default 2. */
  accountingLanes?: number
  onError?: (error: unknown, context: Record<string, unknown>) => void
}

export interface StandaloneRadius {
  authPort: number
  acctPort: number
  counters(): CountersSnapshot
  accountingStats(): AccountingStoreStats
  /** Subscribers held in memory. */
  subscribers(): number
  runtime: RadiusRuntime
  close(): Promise<void>
}

export async function startRadius(options: StartRadiusOptions): Promise<StandaloneRadius> {
  const policy = options.policy ?? defaultReplyPolicy()
  const runtime = new RadiusRuntime({
    sql: options.sql,
    instanceKey: options.instanceKey,
    timeZone: options.timeZone ?? 'UTC',
    host: options.host ?? '127.0.0.1',
    authPort: options.authPort,
    acctPort: options.acctPort,
    receiveBufferBytes: options.receiveBufferBytes,
    policy: () => policy,
    accountingLanes: options.accountingLanes,
    onError: options.onError,
  })
  const ports = await runtime.start()
  return {
    ...ports,
    counters: () => runtime.counters(),
    accountingStats: () => ({ ...runtime.accounting.stats }),
    subscribers: () => runtime.subscribers.size,
    runtime,
    close: () => runtime.stop(),
  }
}
