import type { Sql } from 'postgres'
import type { AppContext } from '../context.ts'
import type { DomainEvent, EventHandler, PluginContext } from '../plugins/define.ts'
import { OUTBOX_CHANNEL } from './outbox.ts'

/** Receives events: a plugin or core module with `on` handlers. */
export interface Subscriber {
  /** Plugin name ('radius', 'core:audit'); one delivery row per event and subscriber. */
  name: string
  ctx: PluginContext
  handlerFor(type: string): EventHandler | undefined
}

export interface DispatcherOptions {
  /** Fallback poll interval; NOTIFY usually wakes the dispatcher sooner. */
  pollMs?: number
  /** Deliveries claimed per round. */
  batch?: number
  /** Attempts before a delivery is marked dead. */
  maxAttempts?: number
  /** First retry delay; doubles with each attempt up to maxBackoffMs. */
  backoffMs?: number
  maxBackoffMs?: number
  /** How long a claimed delivery is reserved for its dispatcher; after a crash another one retries it. */
  leaseMs?: number
  /** LISTEN for commits (default true). */
  listen?: boolean
}

export interface DrainResult {
  fannedOut: number
  delivered: number
  failed: number
}

interface ClaimedRow {
  event_id: string
  subscriber: string
  attempts: number
  type: string
  payload: Record<string, unknown>
  /** A string: drizzle switches off the driver's timestamp parsing on the shared client. */
  created_at: string
}

const DEFAULTS = {
  pollMs: 2000,
  batch: 50,
  maxAttempts: 10,
  backoffMs: 5000,
  maxBackoffMs: 3_600_000,
  leaseMs: 300_000,
  listen: true,
}

/**
 * Delivers outbox events to subscribers, at least once. Each new event is fanned out into one
 * outbox_deliveries row per matching subscriber; due deliveries are claimed with FOR UPDATE SKIP
 * LOCKED (so dispatchers in several processes share the work), leased, handled outside any
 * transaction, then marked delivered or rescheduled with exponential backoff, dead after maxAttempts.
 * All times come from the app clock, so tests move time instead of waiting.
 */
export class Dispatcher {
  private readonly opts: typeof DEFAULTS
  private readonly subs: Map<string, Subscriber>
  private timer: NodeJS.Timeout | null = null
  private unlisten: (() => Promise<void>) | null = null
  private running: Promise<void> | null = null
  private again = false
  private stopped = true
  /** True once a NOTIFY sent by this process came back on the LISTEN connection. */
  notifyWorks = false

  constructor(
    private readonly ctx: AppContext,
    subscribers: Subscriber[],
    options: DispatcherOptions = {},
  ) {
    this.opts = {
      ...DEFAULTS,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    }
    this.subs = new Map(subscribers.map((s) => [s.name, s]))
  }

  private get sql(): Sql {
    return this.ctx.sql
  }

  /** Starts listening and polling; returns once the first round has run. */
  async start(): Promise<void> {
    if (!this.stopped) return
    this.stopped = false
    if (this.opts.listen) {
      try {
        const probe = `probe-${process.pid}-${Math.random().toString(36).slice(2)}`
        const { unlisten } = await this.sql.listen(OUTBOX_CHANNEL, (payload) => {
          if (payload === probe) this.notifyWorks = true
          else this.wake()
        })
        this.unlisten = unlisten
        await this.sql`select pg_notify(${OUTBOX_CHANNEL}, ${probe})`
      } catch (err) {
        this.ctx.log.warn({ err }, 'outbox: LISTEN failed, polling only')
      }
    }
    this.schedulePoll()
    await this.wakeAndWait()
  }

  /** Stops polling and listening, and waits for the round in progress. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const unlisten = this.unlisten
    this.unlisten = null
    if (unlisten) await unlisten().catch(() => {})
    await this.running
  }

  /** Runs a round soon (after the current one if one is running). */
  wake(): void {
    void this.wakeAndWait().catch((err) => this.ctx.log.error({ err }, 'outbox: dispatch round failed'))
  }

  private wakeAndWait(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        do {
          this.again = false
          await this.drain()
        } while (this.again && !this.stopped)
      } finally {
        this.running = null
      }
    })()
    return this.running
  }

  private schedulePoll(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.wakeAndWait()
        .catch((err) => this.ctx.log.error({ err }, 'outbox: dispatch round failed'))
        .finally(() => this.schedulePoll())
    }, this.opts.pollMs)
    this.timer.unref?.()
  }

  /** Fans out and delivers until nothing is due at the clock's now. Tests call this directly. */
  async drain(): Promise<DrainResult> {
    const total: DrainResult = { fannedOut: 0, delivered: 0, failed: 0 }
    for (;;) {
      const fannedOut = await this.fanOut()
      const { delivered, failed } = await this.deliverDue()
      total.fannedOut += fannedOut
      total.delivered += delivered
      total.failed += failed
      if (fannedOut === 0 && delivered + failed === 0) return total
    }
  }

  /** Writes the delivery rows of events not yet fanned out; returns how many events it handled. */
  async fanOut(): Promise<number> {
    const now = this.ctx.clock.now()
    return this.sql.begin(async (tx) => {
      const events = await tx<{ id: string; type: string }[]>`
        select id, type from outbox_events where fanned_out_at is null
        order by id limit ${this.opts.batch} for update skip locked`
      if (events.length === 0) return 0
      const rows = events.flatMap((e) =>
        [...this.subs.values()]
          .filter((s) => s.handlerFor(e.type))
          .map((s) => ({ event_id: e.id, subscriber: s.name, next_attempt_at: now.toISOString() })),
      )
      if (rows.length) {
        await tx`insert into outbox_deliveries ${tx(rows, 'event_id', 'subscriber', 'next_attempt_at')} on conflict do nothing`
      }
      await tx`update outbox_events set fanned_out_at = ${now.toISOString()}::timestamptz where id = any(${events.map((e) => e.id)}::bigint[])`
      return events.length
    })
  }

  /** Claims due deliveries of the subscribers this process knows and runs their handlers. */
  async deliverDue(): Promise<{ delivered: number; failed: number }> {
    if (this.subs.size === 0) return { delivered: 0, failed: 0 }
    const now = this.ctx.clock.now()
    const leaseUntil = new Date(now.getTime() + this.opts.leaseMs)
    const claimed = await this.sql<ClaimedRow[]>`
      update outbox_deliveries d
         set attempts = d.attempts + 1, next_attempt_at = ${leaseUntil.toISOString()}::timestamptz
        from (select event_id, subscriber from outbox_deliveries
               where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
                 and subscriber = any(${[...this.subs.keys()]}::text[])
               order by next_attempt_at, event_id
               limit ${this.opts.batch}
               for update skip locked) c,
             outbox_events e
       where d.event_id = c.event_id and d.subscriber = c.subscriber and e.id = d.event_id
   returning d.event_id, d.subscriber, d.attempts, e.type, e.payload, e.created_at`
    let delivered = 0
    let failed = 0
    for (const row of claimed.sort((a, b) => Number(BigInt(a.event_id) - BigInt(b.event_id)))) {
      if (await this.deliver(row)) delivered++
      else failed++
    }
    return { delivered, failed }
  }

  private async deliver(row: ClaimedRow): Promise<boolean> {
    const sub = this.subs.get(row.subscriber)!
    const event: DomainEvent = {
      id: BigInt(row.event_id),
      type: row.type,
      payload: row.payload,
      createdAt: new Date(row.created_at),
    }
    try {
      const handler = sub.handlerFor(row.type)
      if (!handler) throw new Error(`no handler for "${row.type}" any more`)
      await handler(event, sub.ctx)
    } catch (err) {
      const now = this.ctx.clock.now()
      const dead = row.attempts >= this.opts.maxAttempts
      const delay = Math.min(this.opts.backoffMs * 2 ** (row.attempts - 1), this.opts.maxBackoffMs)
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
      await this.sql`
        update outbox_deliveries
           set status = ${dead ? 'dead' : 'pending'}, next_attempt_at = ${new Date(now.getTime() + delay).toISOString()}::timestamptz,
               last_error = ${message.slice(0, 4000)}
         where event_id = ${row.event_id} and subscriber = ${row.subscriber}`
      this.ctx.log[dead ? 'error' : 'warn'](
        { err, event: row.event_id, type: row.type, subscriber: row.subscriber, attempts: row.attempts },
        dead
          ? 'outbox: delivery failed for the last time, marked dead'
          : 'outbox: delivery failed, will retry',
      )
      return false
    }
    await this.sql`
      update outbox_deliveries set status = 'delivered', delivered_at = ${this.ctx.clock.now().toISOString()}::timestamptz, last_error = null
       where event_id = ${row.event_id} and subscriber = ${row.subscriber}`
    return true
  }
}

/** Puts dead deliveries back in the queue (an admin's "retry"). */
export async function retryDead(sql: Sql, eventId: bigint, subscriber: string, now: Date): Promise<boolean> {
  const rows = await sql`
    update outbox_deliveries set status = 'pending', attempts = 0, next_attempt_at = ${now.toISOString()}::timestamptz
     where event_id = ${eventId.toString()} and subscriber = ${subscriber} and status = 'dead' returning 1`
  return rows.length > 0
}
