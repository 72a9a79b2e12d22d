/**
 * Polls radius_changes (filled by triggers on services, customers, plans and radius_nas) and hands the
 * changed ids to the in-memory indexes. Ids are read past the highest one seen minus a window, skipping
 * those already applied, so a transaction that commits after a later one is not missed.
 */
import type { Sql } from 'postgres'

export type ChangeKind = 'service' | 'customer' | 'plan' | 'nas'
export type ChangeHandler = (changes: Record<ChangeKind, number[]>) => Promise<void>

const WINDOW = 1000
const BATCH = 10_000

export class ChangeFeed {
  private maxSeen = 0
  private readonly seen = new Set<number>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = true
  private waiters: (() => void)[] = []

  constructor(
    private readonly sql: Sql,
    private readonly handle: ChangeHandler,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Marks everything recorded so far as applied: call just before loading the indexes whole. */
  async markCurrent(): Promise<void> {
    const [row] = await this.sql<{ max: string | null }[]>`select max(id)::text as max from radius_changes`
    this.maxSeen = Number(row?.max ?? 0)
    this.seen.clear()
    const recent = await this.sql<{ id: string }[]>`
      select id::text from radius_changes where id > ${this.maxSeen - WINDOW} and id <= ${this.maxSeen}`
    for (const r of recent) this.seen.add(Number(r.id))
  }

  start(): void {
    this.stopped = false
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    for (const w of this.waiters.splice(0)) w()
  }

  /** Resolves once a poll that began after this call has been applied. */
  whenFresh(): Promise<void> {
    return new Promise((resolve) => {
      const afterCurrent = this.running ?? Promise.resolve()
      void afterCurrent.then(() => this.waiters.push(resolve))
    })
  }

  /** One poll now (also what the timer runs). */
  async poll(): Promise<void> {
    if (this.running) await this.running
    const waiting = this.waiters.splice(0)
    this.running = this.pollOnce()
    try {
      await this.running
    } finally {
      this.running = undefined
      for (const w of waiting) w()
    }
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.poll()
        .catch(this.onError)
        .finally(() => this.schedule())
    }, this.intervalMs)
    this.timer.unref?.()
  }

  private async pollOnce(): Promise<void> {
    const low = Math.max(0, this.maxSeen - WINDOW)
    const skip = [...this.seen].filter((id) => id > low)
    const rows = await this.sql<{ id: string; kind: ChangeKind; refId: number }[]>`
      select id::text, kind, ref_id as "refId" from radius_changes
      where id > ${low} and not (id = any(${skip}::bigint[]))
      order by id limit ${BATCH}`
    if (rows.length === 0) return
    const sets: Record<ChangeKind, Set<number>> = {
      service: new Set(),
      customer: new Set(),
      plan: new Set(),
      nas: new Set(),
    }
    for (const row of rows) sets[row.kind]?.add(row.refId)
    await this.handle({
      service: [...sets.service],
      customer: [...sets.customer],
      plan: [...sets.plan],
      nas: [...sets.nas],
    })
    for (const row of rows) {
      const id = Number(row.id)
      this.seen.add(id)
      if (id > this.maxSeen) this.maxSeen = id
    }
    const floor = this.maxSeen - WINDOW
    for (const id of this.seen) if (id <= floor) this.seen.delete(id)
  }
}
