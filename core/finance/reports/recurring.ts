import { sql, type SQL } from 'drizzle-orm'

/** Plan types billed every month (one-time plans are not recurring revenue). */
export const RECURRING_TYPES = ['internet', 'voice', 'recurring', 'bundle'] as const

/**
 * The monthly amount of a service `s` (joined with its plan `p`) on a day: quantity × (its own price
 * or the plan's) less the discount when the discount runs on that day. Unrounded numeric: callers
 * sum first and round once.
 */
export function monthlyAmountSql(on: SQL): SQL {
  return sql`(s.quantity * coalesce(s.unit_price, p.price) * (1 - (case
      when (s.discount_start is null or s.discount_start <= ${on}) and (s.discount_end is null or s.discount_end >= ${on})
      then s.discount_percent else 0 end) / 100))`
}

/** A service `s` that runs on the day: started, not ended, not pending or archived, of a recurring type. */
export function runningOnSql(on: SQL): SQL {
  return sql`(s.start_date <= ${on} and (s.end_date is null or s.end_date >= ${on})
    and s.status in ('active', 'disabled', 'stopped')
    and s.type in ('internet', 'voice', 'recurring', 'bundle'))`
}
