import { pgTable, bigint, text, timestamp, integer, jsonb, index, uniqueIndex } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'

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
    /** The scheduled tick this run belongs to (null for manual runs): one real run per job and tick across nodes. */
    slot: timestamp({ withTimezone: true }),
    /** Touched on every progress report, so live views can poll for changes. */
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.job, t.startedAt),
    index().on(t.updatedAt),
    uniqueIndex('job_runs_one_per_slot').on(t.job, t.slot).where(sql`status <> 'skipped'`),
  ],
)
