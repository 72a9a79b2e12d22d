import { Temporal } from 'temporal-polyfill'

/** Every "now" in Uplink comes from a Clock, so tests and sandboxes can move time. */
export interface Clock {
  now(): Date
  /** Today's calendar date in the ISP's time zone. */
  today(): Temporal.PlainDate
  readonly timeZone: string
}

export function systemClock(timeZone = 'UTC'): Clock {
  return {
    timeZone,
    now: () => new Date(),
    today: () => Temporal.Now.plainDateISO(timeZone),
  }
}

/** A clock that can be set and moved; used by tests and by the sandbox time travel. */
export class ManualClock implements Clock {
  private offsetMs = 0
  private fixed: number | null
  constructor(
    start?: Date | string,
    readonly timeZone = 'UTC',
  ) {
    this.fixed = start === undefined ? null : new Date(start).getTime()
  }
  now(): Date {
    return new Date((this.fixed ?? Date.now()) + this.offsetMs)
  }
  today(): Temporal.PlainDate {
    return Temporal.Instant.fromEpochMilliseconds(this.now().getTime()).toZonedDateTimeISO(this.timeZone).toPlainDate()
  }
  set(at: Date | string): void {
    this.fixed = new Date(at).getTime()
    this.offsetMs = 0
  }
  advance(ms: number): void {
    this.offsetMs += ms
  }
  advanceDays(days: number): void {
    this.advance(days * 86_400_000)
  }
}
