import { pgTable, text, jsonb, timestamp } from 'drizzle-orm/pg-core'

/** Key/value settings; plugin settings live under `plugin:<name>`. Values are validated by their TypeBox schema. */
export const settings = pgTable('settings', {
  key: text().primaryKey(),
  value: jsonb().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
