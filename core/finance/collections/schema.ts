import { date, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { customers } from '../../customers/schema.ts'

/**
 * Customers the collections rule blocked, and since when. Only these are unblocked automatically
 * (a customer an admin blocked by hand stays blocked), and deactivation counts from `blockedOn`.
 */
export const collectionBlocks = pgTable('collection_blocks', {
  customerId: integer()
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  blockedOn: date({ mode: 'string' }).notNull(),
  reason: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

/**
 * Notices already sent (payment reminders, prepaid low-balance warnings), one row per key such as
 * 'reminder:inv-12:2' or 'low_balance:c-5:2026-03-10:5': the event is emitted only by the run whose
 * insert wins, so two runs a day never announce the same thing twice.
 */
export const collectionNotices = pgTable(
  'collection_notices',
  {
    key: text().primaryKey(),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    kind: text().notNull(),
    noticeDate: date({ mode: 'string' }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.customerId)],
)
