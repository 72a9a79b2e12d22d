import { pgTable, integer, text, timestamp, boolean, jsonb, index, primaryKey } from 'drizzle-orm/pg-core'
import { partners } from '../partners/schema.ts'

export const roles = pgTable('roles', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  /** Stable key of a built-in role (super_admin, admin, ...); null for custom roles. */
  builtin: text().unique(),
  name: text().notNull().unique(),
  permissions: jsonb().$type<string[]>().notNull().default([]),
  /** Admins with this role must enrol TOTP before they can use the panel. */
  require2fa: boolean().notNull().default(false),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

export const admins = pgTable('admins', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  login: text().notNull().unique(),
  name: text().notNull(),
  email: text(),
  passwordHash: text().notNull(),
  roleId: integer()
    .notNull()
    .references(() => roles.id),
  active: boolean().notNull().default(true),
  /** Base32 TOTP secret, encrypted with the instance key; set once enrolment is confirmed. */
  totpSecret: text(),
  /** Last accepted TOTP time step, to refuse a replayed code. */
  totpLastStep: integer(),
  /** Unused recovery codes, as keyed HMAC-SHA256 digests (argon2id hashes from earlier versions). */
  recoveryCodes: jsonb().$type<string[]>().notNull().default([]),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastLoginAt: timestamp({ withTimezone: true }),
})

/** An admin limited to partners sees only those partners' records; no rows = all partners. */
export const adminPartners = pgTable(
  'admin_partners',
  {
    adminId: integer()
      .notNull()
      .references(() => admins.id, { onDelete: 'cascade' }),
    partnerId: integer()
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.adminId, t.partnerId] })],
)

export const adminSessions = pgTable(
  'admin_sessions',
  {
    /** sha256 of the cookie token; the token itself is never stored. */
    id: text().primaryKey(),
    adminId: integer()
      .notNull()
      .references(() => admins.id, { onDelete: 'cascade' }),
    /** false until the second factor is passed (when the admin has one). */
    mfaPassed: boolean().notNull().default(false),
    ip: text(),
    userAgent: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.adminId)],
)

export const apiKeys = pgTable('api_keys', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  adminId: integer()
    .notNull()
    .references(() => admins.id, { onDelete: 'cascade' }),
  name: text().notNull(),
  /** First characters of the key, shown in lists to tell keys apart. */
  prefix: text().notNull(),
  /** sha256 of the whole key. */
  keyHash: text().notNull().unique(),
  /** Subset of the owner's permissions; the key can never do more than its admin. */
  permissions: jsonb().$type<string[]>().notNull().default([]),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp({ withTimezone: true }),
  revokedAt: timestamp({ withTimezone: true }),
})

/** Failed password attempts per login (known or not), for the lockout; kept in the database so every node sees it. */
export const adminLoginFailures = pgTable('admin_login_failures', {
  /** Lower-cased login as typed. */
  login: text().primaryKey(),
  failures: integer().notNull().default(0),
  lastFailureAt: timestamp({ withTimezone: true }).notNull(),
  lockedUntil: timestamp({ withTimezone: true }),
})
