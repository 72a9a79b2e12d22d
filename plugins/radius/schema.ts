/**
 * The RADIUS plugin's tables. radius_accounting is partitioned by month on event_time: the generated
 * CREATE TABLE was changed by hand to PARTITION BY RANGE, and the partitions, the default partition,
 * the partition-making function and the change triggers live in the custom migration
 * `radius_accounting` (db/migrations).
 */
import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

export const radiusNasType = pgEnum('radius_nas_type', ['mikrotik', 'cisco', 'juniper', 'generic'])

/** A NAS that may talk to us: its packets are recognised by source address and signed with its secret. */
export const radiusNas = pgTable(
  'radius_nas',
  {
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    name: text().notNull(),
    /** Source address of its packets and destination of CoA/Disconnect. */
    ipAddress: text().notNull(),
    /** AES-GCM sealed with the instance key. */
    secretEncrypted: text().notNull(),
    type: radiusNasType().notNull().default('mikrotik'),
    coaPort: integer().notNull().default(3799),
    requireMessageAuthenticator: boolean().notNull().default(false),
    /** Partner (reseller) whose network this is; no foreign key, partners belong to core. */
    partnerId: integer(),
    description: text(),
    /** Datagrams received from it, flushed from memory every few seconds. */
    requests: bigint({ mode: 'number' }).notNull().default(sql`0`),
    lastSeenAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('radius_nas_ip_unique').on(t.ipAddress)],
)

/** One row per NAS session; online while stopped_at is null. Also the session history of a customer. */
export const radiusSessions = pgTable(
  'radius_sessions',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    nasId: integer().notNull(),
    acctSessionId: text().notNull(),
    multiSessionId: text(),
    userName: text().notNull(),
    serviceId: integer(),
    customerId: integer(),
    framedIpAddress: text(),
    callingStationId: text(),
    nasPortId: text(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    lastUpdateAt: timestamp({ withTimezone: true }).notNull(),
    stoppedAt: timestamp({ withTimezone: true }),
    sessionTime: integer().notNull().default(0),
    /** Octets from the subscriber (Acct-Input, gigawords folded in). */
    inputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    /** Octets to the subscriber. */
    outputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    terminateCause: text(),
  },
  // Only what a query needs, and none on a column an Interim-Update changes (last_update_at, counters):
  // an interim is then a HOT update that writes no index (fillfactor 70, migration
  // radius_sessions_hot). The stale-session job finds the online rows through radius_sessions_online_nas.
  (t) => [
    uniqueIndex('radius_sessions_nas_session_unique').on(t.nasId, t.acctSessionId),
    index('radius_sessions_online_nas').on(t.nasId).where(sql`stopped_at is null`),
    index('radius_sessions_online_service').on(t.serviceId).where(sql`stopped_at is null`),
    index().on(t.customerId, t.startedAt),
  ],
)

/**
 * Raw accounting, one row per event (Start, Interim, Stop, On/Off), partitioned by month on event_time.
 * A retransmitted event is stored once: (NAS, Acct-Session-Id, status type, event time) is unique.
 */
export const radiusAccounting = pgTable(
  'radius_accounting',
  {
    // bigserial: identity columns on partitioned tables need PostgreSQL 17.
    id: bigserial({ mode: 'bigint' }).notNull(),
    eventTime: timestamp({ withTimezone: true }).notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull(),
    nasId: integer().notNull(),
    /** Empty for Accounting-On/Off, which carry none (a unique key cannot hold nulls equal). */
    acctSessionId: text().notNull(),
    statusType: smallint().notNull(),
    userName: text(),
    serviceId: integer(),
    inputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    outputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    inputPackets: bigint({ mode: 'number' }).notNull().default(sql`0`),
    outputPackets: bigint({ mode: 'number' }).notNull().default(sql`0`),
    sessionTime: integer(),
    delayTime: integer().notNull().default(0),
    terminateCause: text(),
    framedIpAddress: text(),
    callingStationId: text(),
    nasPortId: text(),
  },
  // No index beyond these two: every event writes each of them, and per-service reads go to
  // radius_usage_daily (and radius_sessions), not to the raw events.
  (t) => [
    primaryKey({ columns: [t.id, t.eventTime] }),
    uniqueIndex('radius_accounting_event_unique').on(t.nasId, t.acctSessionId, t.statusType, t.eventTime),
  ],
)

/** Traffic per service per day (the instance's time zone), rolled up from accounting: caps, reports, charts. */
export const radiusUsageDaily = pgTable(
  'radius_usage_daily',
  {
    serviceId: integer().notNull(),
    day: date({ mode: 'string' }).notNull(),
    customerId: integer(),
    inputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    outputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    /** The part of the octets above that arrived inside a 'free' fair-usage window (not counted for caps). */
    freeInputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    freeOutputOctets: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.day] }), index().on(t.customerId, t.day)],
)

/** Every Access-Reject and restricted accept, with its reason. */
export const radiusAuthLog = pgTable(
  'radius_auth_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: timestamp({ withTimezone: true }).notNull(),
    nasId: integer(),
    userName: text().notNull(),
    serviceId: integer(),
    customerId: integer(),
    /** 'reject' or 'restricted'. */
    outcome: text().notNull(),
    /** not-found, blocked, negative-balance, wrong-mac, wrong-password, or a protocol reason. */
    reason: text().notNull(),
    detail: text(),
    method: text().notNull(),
    callingStationId: text(),
  },
  (t) => [index().on(t.at), index().on(t.customerId, t.at), index().on(t.userName, t.at)],
)

/** CoA and Disconnect requests we sent, with the NAS's answer; source_key makes event handling idempotent. */
export const radiusCoaRequests = pgTable(
  'radius_coa_requests',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    sourceKey: text().notNull(),
    sessionId: bigint({ mode: 'number' }).notNull(),
    nasId: integer().notNull(),
    /** 'coa' or 'disconnect'. */
    kind: text().notNull(),
    /** Why: customer.status_changed, service.plan_changed, manual, ... */
    cause: text().notNull(),
    attributes: jsonb().$type<{ name: string; value: string | number }[]>().notNull(),
    /** pending, ack, nak or timeout. */
    status: text().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    errorCause: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    completedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('radius_coa_requests_source_unique').on(t.sourceKey, t.sessionId),
    index().on(t.sessionId),
  ],
)

/**
 * Filled by triggers on services, customers, plans and radius_nas: what the in-memory subscriber and
 * NAS indexes must reload. Polled by id; old rows are pruned.
 */
export const radiusChanges = pgTable('radius_changes', {
  id: bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  /** service, customer, plan or nas. */
  kind: text().notNull(),
  refId: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

/**
 * Data-cap state of a service in its current billing period: the top-ups bought in it and whether the
 * cap is reached (capped_at). One row per service; a new period resets it (see service/caps.ts).
 */
export const radiusCapState = pgTable('radius_cap_state', {
  serviceId: integer().primaryKey(),
  /** First day of the billing period this row counts. */
  periodStart: date({ mode: 'string' }).notNull(),
  topUpMb: bigint({ mode: 'number' }).notNull().default(0),
  topUpCount: integer().notNull().default(0),
  /** Bytes counted against the cap at the last check. */
  usedBytes: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
  /** Set while the cap is reached; the plan's cap action then applies. */
  cappedAt: timestamp({ withTimezone: true }),
  /** The plan's cap action at the time the cap was reached: block, fixed_speed or reduce. */
  capAction: text(),
  checkedAt: timestamp({ withTimezone: true }).notNull(),
})

/** The fair-usage speed window each plan's online sessions were last switched to ('' = the plan's own speed). */
export const radiusPlanWindows = pgTable('radius_plan_windows', {
  planId: integer().primaryKey(),
  rule: text().notNull(),
  since: timestamp({ withTimezone: true }).notNull(),
})
