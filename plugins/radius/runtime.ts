/**
 * A running RADIUS server on a database: the NAS table and every live internet service in memory (kept
 * fresh by the change feed), the UDP server, the PostgreSQL accounting store, the auth log writer and
 * the CoA client. Used by the plugin's start() and by standalone.ts.
 */
import type { Sql } from 'postgres'
import { applyRadiusGcSettings } from './node-flags.ts'
import { CoaClient } from './server/coa-client.ts'
import type { CountersSnapshot } from './server/counters.ts'
import type { ReplyPolicy } from './server/policy.ts'
import { RadiusServer } from './server/radius-server.ts'
import { PgAccountingStore } from './store/accounting-store.ts'
import { AuthLogWriter, loggingAuthorizer } from './store/auth-log.ts'
import { ChangeFeed } from './store/change-feed.ts'
import { DbNasDirectory } from './store/nas-directory.ts'
import { SubscriberIndex } from './store/subscriber-index.ts'

export interface RadiusRuntimeOptions {
  sql: Sql
  /** The instance key that seals service passwords and NAS secrets. */
  instanceKey: string
  /** Usage is rolled up by calendar day in this zone. */
  timeZone: string
  host: string
  authPort: number
  acctPort: number
  receiveBufferBytes?: number
  duplicateCacheSeconds?: number
  /** Read on every request. */
  policy: () => ReplyPolicy
  now?: () => number
  /** How often changed services, customers, plans and NASes are picked up. */
  changePollMs?: number
  /** How often the auth log and the NAS counters are written. */
  flushMs?: number
  coa?: { timeoutMs?: number; retries?: number }
  /** Accounting statements in flight at once, each on its own connection; default 2. */
  accountingLanes?: number
  onError?: (error: unknown, context: Record<string, unknown>) => void
}

export class RadiusRuntime {
  readonly subscribers: SubscriberIndex
  readonly nas: DbNasDirectory
  readonly accounting: PgAccountingStore
  readonly authLog: AuthLogWriter
  readonly coa: CoaClient
  readonly server: RadiusServer
  private readonly feed: ChangeFeed
  private flushTimer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private readonly warming = { stopped: false }
  ports = { authPort: 0, acctPort: 0 }

  constructor(private readonly options: RadiusRuntimeOptions) {
    const now = options.now ?? Date.now
    const onError = options.onError ?? (() => {})
    this.subscribers = new SubscriberIndex(options.sql, options.instanceKey)
    this.subscribers.now = now
    this.subscribers.timeZone = options.timeZone
    this.nas = new DbNasDirectory(options.sql, options.instanceKey, now)
    this.authLog = new AuthLogWriter(options.sql)
    this.accounting = new PgAccountingStore({
      sql: options.sql,
      timeZone: options.timeZone,
      serviceOf: (userName) => this.subscribers.lookup(userName),
      freeTraffic: (userName, at) => this.subscribers.inFreeWindow(userName, at.getTime()),
      lanes: options.accountingLanes,
    })
    this.coa = new CoaClient({ timeoutMs: options.coa?.timeoutMs, retries: options.coa?.retries })
    this.feed = new ChangeFeed(
      options.sql,
      async (changes) => {
        if (changes.nas.length > 0) await this.nas.load()
        if (changes.plan.length > 0) await this.subscribers.loadPlans()
        await this.subscribers.reloadServices(changes.service)
        await this.subscribers.reloadCustomers(changes.customer)
      },
      options.changePollMs ?? 250,
      (error) => onError(error, { where: 'change-feed' }),
    )
    this.server = new RadiusServer({
      host: options.host,
      authPort: options.authPort,
      acctPort: options.acctPort,
      receiveBufferBytes: options.receiveBufferBytes,
      duplicateTtlMs: (options.duplicateCacheSeconds ?? 10) * 1000,
      nas: this.nas,
      authorize: loggingAuthorizer(this.subscribers, this.authLog, options.policy, now),
      accounting: this.accounting,
      policy: options.policy,
      now,
      onError: (error, context) => onError(error, context),
    })
  }

  /** Loads the NAS table and the subscribers, then opens the sockets. */
  async start(): Promise<{ authPort: number; acctPort: number }> {
    applyRadiusGcSettings()
    await this.feed.markCurrent()
    await this.nas.load()
    await this.subscribers.loadAll()
    this.ports = await this.server.start()
    try {
      await this.coa.start()
    } catch (error) {
      await this.server.stop()
      throw error
    }
    this.feed.start()
    void this.subscribers.warm(this.warming)
    const every = this.options.flushMs ?? 2000
    const tick = () => {
      this.flushTimer = setTimeout(() => {
        void this.flush()
          .catch((error) => this.options.onError?.(error, { where: 'flush' }))
          .finally(() => {
            if (this.flushTimer) tick()
          })
      }, every)
      this.flushTimer.unref?.()
    }
    tick()
    return this.ports
  }

  async stop(): Promise<void> {
    this.warming.stopped = true
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    await this.feed.stop()
    await this.server.stop()
    await this.coa.close()
    await this.accounting.drained()
    await this.flush().catch((error) => this.options.onError?.(error, { where: 'flush' }))
  }

  /** Writes the buffered auth log and NAS counters now. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing
    this.flushing = (async () => {
      await this.authLog.flush()
      await this.nas.flushCounters()
    })()
    try {
      await this.flushing
    } finally {
      this.flushing = undefined
    }
  }

  /** Resolves once every change committed before the call is in memory. */
  whenFresh(): Promise<void> {
    return this.feed.whenFresh()
  }

  /** Applies pending changes now (the panel's own NAS edits call this instead of waiting for the poll). */
  refresh(): Promise<void> {
    return this.feed.poll()
  }

  counters(): CountersSnapshot {
    return this.server.stats()
  }
}
