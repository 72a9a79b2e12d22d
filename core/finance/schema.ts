import { bigint, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Gapless document counters. One row per series and counter key (the values of the pattern's
 * variables that restart numbering: year, partner, ...). The row is incremented inside the
 * transaction that issues the document, so its lock serialises issuers and a rollback gives the
 * number back: no gaps, no duplicates.
 */
export const documentCounters = pgTable(
  'document_counters',
  {
    /** invoice, proforma, credit_note, receipt, ... (a partner with its own pattern: invoice:p2). */
    series: text().notNull(),
    /** From numbering.counterKey(): 'year=2026;partner_id=3', '' for a counter that never restarts. */
    counterKey: text().notNull(),
    lastValue: bigint({ mode: 'number' }).notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.series, t.counterKey] })],
)
