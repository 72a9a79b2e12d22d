import { sql } from 'drizzle-orm'
import { check, date, index, integer, numeric, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { customers } from '../customers/schema.ts'
import { planType, plans } from '../plans/schema.ts'

export const serviceStatus = pgEnum('service_status', ['pending', 'active', 'disabled', 'stopped', 'archived'])

/**
 * A customer's subscription to a plan. Billing reads quantity, price override, discount and dates;
 * the network plugins read the login, password, addresses, MAC and NAS of internet services.
 * A login (and a static IPv4 address) belongs to one live internet service: pending, active or
 * disabled. Stopped and archived services keep theirs for history.
 */
export const services = pgTable(
  'services',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    customerId: integer()
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    planId: integer()
      .notNull()
      .references(() => plans.id, { onDelete: 'restrict' }),
    /** The plan's type, copied so billing and RADIUS filter without a join; a plan change keeps it. */
    type: planType().notNull(),
    /** Invoice line text. */
    description: text().notNull(),
    quantity: numeric({ precision: 18, scale: 4 }).notNull().default('1'),
    /** Monthly (or one-time) price per unit instead of the plan's; null = the plan's price. */
    unitPrice: numeric({ precision: 18, scale: 4 }),
    discountPercent: numeric({ precision: 9, scale: 4 }).notNull().default('0'),
    /** The discount applies from/to these days (inclusive); null = open. */
    discountStart: date({ mode: 'string' }),
    discountEnd: date({ mode: 'string' }),
    startDate: date({ mode: 'string' }).notNull(),
    /** Last billed day (inclusive); null = open-ended. */
    endDate: date({ mode: 'string' }),
    status: serviceStatus().notNull().default('active'),
    /** A scheduled plan change: applied by applyDuePlanChanges on planChangeDate. */
    nextPlanId: integer().references(() => plans.id, { onDelete: 'restrict' }),
    planChangeDate: date({ mode: 'string' }),

    // network (internet services)
    login: text(),
    /** AES-GCM sealed with the instance key (kernel/secrets.ts): CHAP and MS-CHAP need the clear text. */
    passwordEncrypted: text(),
    ipv4Address: text(),
    /** An IPv6 address or delegated prefix (2001:db8:1::/56). */
    ipv6Address: text(),
    /** Name of the address pool the NAS assigns from, when there is no static IPv4 address. */
    ipPool: text(),
    /** Upper-case, colon separated: AA:BB:CC:DD:EE:FF. */
    mac: text(),
    /** Router/NAS of the network plugins; no foreign key: their tables belong to the plugins. */
    nasId: integer(),

    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.customerId, t.status),
    index().on(t.status, t.type),
    index().on(t.planId),
    index().on(t.login),
    index('services_plan_change_due').on(t.planChangeDate).where(sql`${t.nextPlanId} is not null`),
    uniqueIndex('services_live_login_unique')
      .on(t.login)
      .where(sql`${t.type} = 'internet' and ${t.status} in ('pending', 'active', 'disabled') and ${t.login} is not null`),
    uniqueIndex('services_live_ipv4_unique')
      .on(t.ipv4Address)
      .where(sql`${t.type} = 'internet' and ${t.status} in ('pending', 'active', 'disabled') and ${t.ipv4Address} is not null`),
    check('services_quantity_positive', sql`${t.quantity} > 0`),
    check('services_unit_price_not_negative', sql`${t.unitPrice} is null or ${t.unitPrice} >= 0`),
    check('services_discount_range', sql`${t.discountPercent} >= 0 and ${t.discountPercent} <= 100`),
    check('services_end_after_start', sql`${t.endDate} is null or ${t.endDate} >= ${t.startDate}`),
    check(
      'services_discount_dates',
      sql`${t.discountStart} is null or ${t.discountEnd} is null or ${t.discountEnd} >= ${t.discountStart}`,
    ),
    check('services_plan_change_pair', sql`(${t.nextPlanId} is null) = (${t.planChangeDate} is null)`),
  ],
)

/** Every plan change applied to a service: billing prorates a period across them. */
export const servicePlanChanges = pgTable(
  'service_plan_changes',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    serviceId: integer()
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    fromPlanId: integer()
      .notNull()
      .references(() => plans.id, { onDelete: 'restrict' }),
    toPlanId: integer()
      .notNull()
      .references(() => plans.id, { onDelete: 'restrict' }),
    /** First day on the new plan. */
    effectiveDate: date({ mode: 'string' }).notNull(),
    appliedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.serviceId, t.effectiveDate)],
)
