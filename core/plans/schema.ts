import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { partners } from '../partners/schema.ts'

/** A tax rate (VAT 23 %, reduced 8 %, exempt 0 %). `included`: plan prices already contain the tax. */
export const taxRates = pgTable(
  'tax_rates',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    name: text().notNull(),
    /** Percent, up to 4 decimals: 23.0000. */
    ratePercent: numeric({ precision: 9, scale: 4 }).notNull(),
    included: boolean().notNull().default(false),
    active: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tax_rates_name_unique').on(sql`lower(${t.name})`),
    check('tax_rates_rate_range', sql`${t.ratePercent} >= 0 and ${t.ratePercent} <= 100`),
  ],
)

export const planType = pgEnum('plan_type', ['internet', 'voice', 'recurring', 'one_time', 'bundle'])
export const capDirection = pgEnum('plan_cap_direction', ['both', 'download', 'upload'])
export const capAction = pgEnum('plan_cap_action', ['block', 'fixed_speed', 'reduce'])

/** A top-up a customer can buy when the data cap is reached. */
export interface TopUpOption {
  name: string
  mb: number
  /** Decimal string. */
  price: string
}

/** A fair-usage rule: inside a time window, traffic is uncounted or speed changes. */
export interface FairUsageRule {
  name: string
  /** ISO weekdays 1..7 the rule applies on. */
  weekdays: number[]
  /** 'HH:MM' local time; from > to wraps past midnight. */
  from: string
  to: string
  /** 'free': traffic in the window is not counted; 'speed': the speeds below apply. */
  kind: 'free' | 'speed'
  downloadKbps?: number
  uploadKbps?: number
}

/**
 * Plans of every kind in one table: the common part (name, price, tax, availability) and the parts
 * of each type as columns that stay null for other types (checked in validation.ts and by CHECKs).
 * Prices are monthly for recurring types and the amount itself for one-time plans.
 */
export const plans = pgTable(
  'plans',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    type: planType().notNull(),
    name: text().notNull(),
    /** Text of the invoice line; the name when null. */
    invoiceText: text(),
    description: text(),
    price: numeric({ precision: 18, scale: 4 }).notNull(),
    taxRateId: integer().references(() => taxRates.id, { onDelete: 'restrict' }),
    active: boolean().notNull().default(true),
    /** True: every partner may sell it; false: only those in plan_partners. */
    allPartners: boolean().notNull().default(true),

    // internet
    downloadKbps: integer(),
    uploadKbps: integer(),
    /** burst = rate × (100 + burstPercent) / 100; 0 = no burst. */
    burstPercent: integer(),
    /** threshold = rate × burstThresholdPercent / 100. */
    burstThresholdPercent: integer(),
    burstTimeS: integer(),
    /** MikroTik queue priority 1 (highest) .. 8. */
    priority: integer(),
    /** Data cap per billing period in MB; null = unlimited. */
    capMb: bigint({ mode: 'number' }),
    capDirection: capDirection(),
    capAction: capAction(),
    capDownloadKbps: integer(),
    capUploadKbps: integer(),
    capReducePercent: integer(),
    topUps: jsonb().$type<TopUpOption[]>().notNull().default([]),
    fairUsage: jsonb().$type<FairUsageRule[]>().notNull().default([]),

    // voice
    /** Rate table of the voice module; no foreign key, voice owns it. */
    voiceRateTableId: integer(),
    voiceMarkupPercent: numeric({ precision: 9, scale: 4 }),
    voiceIncludedMinutes: integer(),

    // bundle
    activationFee: numeric({ precision: 18, scale: 4 }),
    contractMonths: integer(),
    earlyCancellationFee: numeric({ precision: 18, scale: 4 }),

    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('plans_type_name_unique').on(t.type, sql`lower(${t.name})`),
    index().on(t.type, t.active),
    index().on(t.taxRateId),
    check('plans_price_not_negative', sql`${t.price} >= 0`),
    check(
      'plans_internet_speeds',
      sql`${t.type} <> 'internet' or (${t.downloadKbps} > 0 and ${t.uploadKbps} > 0 and ${t.priority} between 1 and 8)`,
    ),
  ],
)

/** Partners a plan is limited to when plans.all_partners is false. */
export const planPartners = pgTable(
  'plan_partners',
  {
    planId: integer()
      .notNull()
      .references(() => plans.id, { onDelete: 'cascade' }),
    partnerId: integer()
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.planId, t.partnerId] }), index().on(t.partnerId)],
)

/** Plans a bundle is made of. */
export const bundleItems = pgTable(
  'plan_bundle_items',
  {
    bundleId: integer()
      .notNull()
      .references(() => plans.id, { onDelete: 'cascade' }),
    planId: integer()
      .notNull()
      .references(() => plans.id, { onDelete: 'restrict' }),
    quantity: integer().notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.bundleId, t.planId] }), index().on(t.planId)],
)
