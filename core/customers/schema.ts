import { pgTable, integer, text, timestamp, jsonb, index, date, pgEnum } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { partners } from '../partners/schema.ts'

export const customerStatus = pgEnum('customer_status', ['new', 'active', 'blocked', 'inactive'])
export const customerCategory = pgEnum('customer_category', ['person', 'company'])

export const customers = pgTable(
  'customers',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    partnerId: integer()
      .notNull()
      .references(() => partners.id),
    /** Portal login and the default service login. */
    login: text().notNull().unique(),
    status: customerStatus().notNull().default('new'),
    category: customerCategory().notNull().default('person'),
    name: text().notNull(),
    email: text(),
    /** Receives only billing mail when set. */
    billingEmail: text(),
    phone: text(),
    street: text(),
    city: text(),
    zip: text(),
    country: text(),
    /** en, es, uk or pl: documents and mail are in this language. */
    language: text().notNull().default('en'),
    companyName: text(),
    vatId: text(),
    /** argon2id hash of the portal password; null = no portal access. */
    portalPasswordHash: text(),
    customFields: jsonb().$type<Record<string, string>>().notNull().default({}),
    /** Billing day of month 1..28. */
    billingDay: integer().notNull().default(1),
    dateAdded: date({ mode: 'string' }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Lower-cased name, login, email, phone and address: one trigram index serves search-as-you-type. */
    searchText: text()
      .notNull()
      .generatedAlwaysAs(
        sql`lower(coalesce(name,'') || ' ' || login || ' ' || coalesce(email,'') || ' ' || coalesce(billing_email,'') || ' ' || coalesce(phone,'') || ' ' || coalesce(street,'') || ' ' || coalesce(city,'') || ' ' || coalesce(zip,''))`,
      ),
  },
  (t) => [
    index().on(t.partnerId),
    index().on(t.status),
    // Sorting a page of the list by name or by date must not sort the whole table.
    index().on(t.name),
    index().on(t.createdAt),
    index('customers_search_trgm').using('gin', sql`${t.searchText} gin_trgm_ops`),
  ],
)

export const customerContacts = pgTable(
  'customer_contacts',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    role: text(),
    email: text(),
    phone: text(),
  },
  (t) => [index().on(t.customerId)],
)
