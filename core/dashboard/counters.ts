import { and, count, countDistinct, eq, gte, inArray, isNull, sql } from 'drizzle-orm'
import type { Temporal } from 'temporal-polyfill'
import type { DbOrTx } from '../../db/client.ts'
import { adminSessions } from '../admins/schema.ts'
import { customers } from '../customers/schema.ts'
import { outboxDeliveries, outboxEvents } from '../kernel/events/schema.ts'
import { jobRuns } from '../kernel/jobs/schema.ts'

export const CUSTOMER_STATUSES = ['new', 'active', 'blocked', 'inactive'] as const
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number]

export interface DashboardCounters {
  customers: Record<CustomerStatus | 'total', number>
  /** Admins with a live session seen within the online window. */
  adminsOnline: number
  jobsRunning: number
  /** Events not yet delivered to every subscriber. */
  eventsPending: number
}

export interface CounterScope {
  /** null: every partner; otherwise only customers of these partners are counted. */
  partnerIds: number[] | null
  now: Date
  /** An admin counts as online when their session was used within this many ms. */
  onlineWindowMs?: number
}

export const ONLINE_WINDOW_MS = 5 * 60_000

function partnerFilter(partnerIds: number[] | null) {
  if (partnerIds === null) return undefined
  return partnerIds.length ? inArray(customers.partnerId, partnerIds) : sql`false`
}

/** The dashboard's counters, customers limited to the partners the admin may see. */
export async function dashboardCounters(db: DbOrTx, scope: CounterScope): Promise<DashboardCounters> {
  const since = new Date(scope.now.getTime() - (scope.onlineWindowMs ?? ONLINE_WINDOW_MS))
  // One after another: the embedded database serves one statement at a time anyway.
  const byStatus = await db
    .select({ status: customers.status, n: count() })
    .from(customers)
    .where(partnerFilter(scope.partnerIds))
    .groupBy(customers.status)
  const [online] = await db
    .select({ n: countDistinct(adminSessions.adminId) })
    .from(adminSessions)
    .where(and(isNull(adminSessions.revokedAt), gte(adminSessions.lastSeenAt, since)))
  const [running] = await db.select({ n: count() }).from(jobRuns).where(eq(jobRuns.status, 'running'))
  const [deliveries] = await db.select({ n: count() }).from(outboxDeliveries).where(eq(outboxDeliveries.status, 'pending'))
  const [unfanned] = await db.select({ n: count() }).from(outboxEvents).where(isNull(outboxEvents.fannedOutAt))
  const customersByStatus = { new: 0, active: 0, blocked: 0, inactive: 0, total: 0 }
  for (const row of byStatus) {
    customersByStatus[row.status] = row.n
    customersByStatus.total += row.n
  }
  return {
    customers: customersByStatus,
    adminsOnline: online?.n ?? 0,
    jobsRunning: running?.n ?? 0,
    eventsPending: (deliveries?.n ?? 0) + (unfanned?.n ?? 0),
  }
}

export interface MonthCount {
  /** YYYY-MM */
  month: string
  count: number
}

/** New customers (by date added) in each of the last `months` calendar months up to today, oldest first. */
export async function newCustomersPerMonth(
  db: DbOrTx,
  options: { today: Temporal.PlainDate; months?: number; partnerIds: number[] | null },
): Promise<MonthCount[]> {
  const months = options.months ?? 12
  const first = options.today.toPlainYearMonth().subtract({ months: months - 1 })
  const from = first.toPlainDate({ day: 1 }).toString()
  const month = sql<string>`to_char(${customers.dateAdded}, 'YYYY-MM')`
  const rows = await db
    .select({ month, n: count() })
    .from(customers)
    .where(and(gte(customers.dateAdded, from), sql`${customers.dateAdded} <= ${options.today.toString()}`, partnerFilter(options.partnerIds)))
    .groupBy(month)
  const found = new Map(rows.map((r) => [r.month, r.n]))
  const out: MonthCount[] = []
  for (let i = 0; i < months; i++) {
    const ym = first.add({ months: i }).toString()
    out.push({ month: ym, count: found.get(ym) ?? 0 })
  }
  return out
}
