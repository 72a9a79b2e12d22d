import { pgTable, bigint, text, timestamp, jsonb, integer, index, primaryKey } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'

/** Domain events, written in the same transaction as the change that caused them. */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: bigint({ mode: 'bigint' }).primaryKey().generatedByDefaultAsIdentity(),
    type: text().notNull(),
    payload: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Set once the dispatcher has written this event's deliveries (one per subscriber). */
    fannedOutAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index().on(t.createdAt),
    index('outbox_events_unfanned').on(t.id).where(sql`fanned_out_at is null`),
  ],
)

/** One row per (event, subscriber): delivery state with retries and backoff. */
export const outboxDeliveries = pgTable(
  'outbox_deliveries',
  {
    eventId: bigint({ mode: 'bigint' })
      .notNull()
      .references(() => outboxEvents.id, { onDelete: 'cascade' }),
    /** '<plugin>' or 'core:<name>' */
    subscriber: text().notNull(),
    status: text().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
    deliveredAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.subscriber] }),
    index('outbox_deliveries_due').on(t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
)
