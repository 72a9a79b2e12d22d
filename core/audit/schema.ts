import { pgTable, bigint, integer, text, timestamp, jsonb, index } from 'drizzle-orm/pg-core'

/** Every change made by a person: who, when, what, before and after. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'bigint' }).primaryKey().generatedByDefaultAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull(),
    /** 'admin', 'customer', 'api' or 'system'. */
    actorType: text().notNull(),
    actorId: integer(),
    actorName: text(),
    ip: text(),
    /** e.g. customer.update, admin.login, role.create */
    action: text().notNull(),
    entity: text().notNull(),
    entityId: text(),
    before: jsonb(),
    after: jsonb(),
  },
  (t) => [index().on(t.entity, t.entityId), index().on(t.at)],
)
