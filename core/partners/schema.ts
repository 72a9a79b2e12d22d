import { pgTable, integer, text, timestamp, boolean } from 'drizzle-orm/pg-core'

/** Partners are resellers/branches; customers, admins and routers belong to one. Partner 1 is the ISP itself. */
export const partners = pgTable('partners', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull().unique(),
  active: boolean().notNull().default(true),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
