import { pgTable, bigint, text, timestamp, integer, jsonb, index } from 'drizzle-orm/pg-core'

/** Every run of a scheduled or manual job: status, duration, progress and error. */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: bigint({ mode: 'bigint' }).primaryKey().generatedByDefaultAsIdentity(),
    job: text().notNull(),
    /** running, succeeded, failed, skipped (another node held the lock) */
    status: text().notNull(),
    trigger: text().notNull().default('schedule'),
    node: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }),
    durationMs: integer(),
    /** 0..100 */
    progress: integer().notNull().default(0),
    message: text(),
    error: text(),
    result: jsonb(),
  },
  (t) => [index().on(t.job, t.startedAt)],
)
