/**
 * Data caps checked right after accounting commits, not only by the minute job: the services whose
 * usage grew in a commit are collected (only those whose plan has a cap, or that are capped), and
 * checked together by one run after `delayMs`, one run at a time; ids that arrive during a run go into
 * the next. The accounting path only adds ids to a set, so it never waits for a check.
 */
import type { UsageListener } from './accounting-store.ts'

export interface CapCheckQueueOptions {
  /** Checks these services (caps/check.ts checkCaps). */
  check: (serviceIds: number[]) => Promise<unknown>
  /** Whether a service can be concerned at all (its plan has a cap, or it is capped). */
  relevant?: (serviceId: number) => boolean
  /** Wait after the first id before a run, so a burst of commits makes one run. */
  delayMs: number
  onError: (error: unknown) => void
}

export class CapCheckQueue implements UsageListener {
  private pending = new Set<number>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private waiters: (() => void)[] = []
  /** Runs done and services checked, for tests and stats. */
  readonly stats = { runs: 0, services: 0 }

  constructor(private readonly options: CapCheckQueueOptions) {}

  usageGrew(serviceIds: number[]): void {
    if (this.stopped) return
    const relevant = this.options.relevant
    for (const id of serviceIds) if (!relevant || relevant(id)) this.pending.add(id)
    this.schedule()
  }

  /** Resolves once nothing is pending or being checked. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** No new runs; waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.pending.clear()
    await this.running
    this.settle()
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && !this.timer && !this.running
  }

  private settle(): void {
    if (this.isIdle()) for (const w of this.waiters.splice(0)) w()
  }

  private schedule(): void {
    if (this.stopped || this.running || this.timer || this.pending.size === 0) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.run()
    }, this.options.delayMs)
    this.timer.unref?.()
  }

  private run(): void {
    const ids = [...this.pending].sort((a, b) => a - b)
    this.pending.clear()
    this.stats.runs++
    this.stats.services += ids.length
    this.running = this.options
      .check(ids)
      .then(
        () => {},
        (error) => this.options.onError(error),
      )
      .finally(() => {
        this.running = undefined
        this.schedule()
        this.settle()
      })
  }
}
