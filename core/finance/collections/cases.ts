import { sql, type SQL } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import type { FinanceSettingsValue } from '../settings.ts'

export type BillingType = 'recurring_postpaid' | 'recurring_prepaid' | 'prepaid_daily' | 'prepaid_monthly'

/** One customer as the collections rule sees it: terms (own or the settings' default), debt, balance. */
export interface CollectionCase {
  customerId: number
  partnerId: number
  login: string
  name: string
  status: 'new' | 'active' | 'blocked' | 'inactive'
  billingType: BillingType
  blockingPeriodDays: number
  deactivationPeriodDays: number
  minimumBalance: string
  doNotBlockUntil: string | null
  /** Unpaid amount of invoices past their due date. */
  unpaid: string
  /** Due date of the oldest of those invoices. */
  oldestDue: string | null
  overdueInvoices: number
  /** Credits − debits of the whole ledger (negative: the customer owes). */
  balance: string
  /** Set when collections blocked the customer (not an admin by hand). */
  blockedOn: string | null
}

export interface CaseFilter {
  customerId?: number
  /** Only customers of these partners (an admin's scope); null = all. */
  partnerIds?: number[] | null
  /** Only customers who owe something overdue, are blocked, or are prepaid (the job's candidates). */
  candidatesOnly?: boolean
}

/** Invoices that count as overdue debt on `today`. */
export const overdueInvoiceSql = (today: string): SQL =>
  sql`i.kind = 'invoice' and i.status in ('issued', 'overdue') and i.due_date < ${today}::date and i.total > i.paid_amount`

/**
 * The collection cases, set-based: one row per customer with the sums computed by index lookups
 * per customer (invoices by customer, ledger by customer), so it stays fast with many customers.
 */
export async function loadCases(
  db: DbOrTx,
  today: string,
  settings: Pick<FinanceSettingsValue, 'blockingPeriodDays' | 'deactivationPeriodDays' | 'minimumBalance'>,
  filter: CaseFilter = {},
): Promise<CollectionCase[]> {
  const where: SQL[] = []
  if (filter.customerId !== undefined) where.push(sql`c.id = ${filter.customerId}`)
  if (filter.partnerIds) where.push(filter.partnerIds.length ? sql`c.partner_id in ${filter.partnerIds}` : sql`false`)
  if (filter.candidatesOnly) {
    where.push(sql`c.status in ('active', 'blocked')`)
    where.push(sql`c.id in (
      select i.customer_id from invoices i where ${overdueInvoiceSql(today)}
      union select customer_id from collection_blocks
      union select customer_id from customer_billing where type in ('prepaid_daily', 'prepaid_monthly'))`)
  }
  const condition = where.length ? sql.join(where, sql` and `) : sql`true`
  return rows<CollectionCase>(
    db,
    sql`select c.id as "customerId", c.partner_id as "partnerId", c.login, c.name, c.status,
        coalesce(cb.type, 'recurring_postpaid')::text as "billingType",
        coalesce(cb.blocking_period_days, ${settings.blockingPeriodDays})::int as "blockingPeriodDays",
        coalesce(cb.deactivation_period_days, ${settings.deactivationPeriodDays})::int as "deactivationPeriodDays",
        coalesce(cb.minimum_balance, ${settings.minimumBalance}::numeric)::text as "minimumBalance",
        cb.do_not_block_until::text as "doNotBlockUntil",
        coalesce(o.unpaid, 0)::text as unpaid, o.oldest_due::text as "oldestDue", coalesce(o.n, 0)::int as "overdueInvoices",
        coalesce(b.balance, 0)::text as balance,
        blk.blocked_on::text as "blockedOn"
      from customers c
      left join customer_billing cb on cb.customer_id = c.id
      left join lateral (
        select sum(i.total - i.paid_amount) as unpaid, min(i.due_date) as oldest_due, count(*) as n
        from invoices i where i.customer_id = c.id and ${overdueInvoiceSql(today)}
      ) o on true
      left join lateral (
        select sum(l.credit - l.debit) as balance from ledger_entries l where l.customer_id = c.id
      ) b on true
      left join collection_blocks blk on blk.customer_id = c.id
      where ${condition}
      order by c.id`,
  )
}
