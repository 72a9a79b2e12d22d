import { pgTable, integer, text, timestamp, index } from 'drizzle-orm/pg-core'
import { customers } from '../customers/schema.ts'

/** Customer portal sessions, kept server-side so they can be revoked and survive on every node. */
export const portalSessions = pgTable(
  'portal_sessions',
  {
    /** sha256 of the cookie token; the token itself is never stored. */
    id: text().primaryKey(),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    ip: text(),
    userAgent: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.customerId)],
)
