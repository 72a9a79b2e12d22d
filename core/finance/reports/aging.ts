import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { toFixed } from '../../kernel/money.ts'
import { partnerCondition } from './filters.ts'

export const AGING_BUCKETS = ['current', 'd0_30', 'd31_60', 'd61_90', 'd90_plus'] as const
export type AgingBucket = (typeof AGING_BUCKETS)[number]
export const AGING_LABELS: Record<AgingBucket, string> = {
  current: 'Not yet due',
  d0_30: '0–30 days',
  d31_60: '31–60 days',
  d61_90: '61–90 days',
  d90_plus: '90+ days',
}

export type AgingAmounts = Record<AgingBucket | 'total', string>
export interface AgingRow extends AgingAmounts {
  customerId: number
  login: string
  name: string
}
export interface AgingReport {
  asOf: string
  customers: AgingRow[]
  count: number
  totals: AgingAmounts
}

/**
 * Receivables by age: the unpaid part of each invoice, by days past its due date on `asOf`
 * (0–30 means 1 to 30 days late, as the due date itself is still on time). Invoices issued after
 * `asOf` are left out; the unpaid part is today's.
 */
export async function agingReport(
  db: DbOrTx,
  options: { asOf: string; partnerIds: number[] | null; limit: number; offset: number },
  currency: string,
): Promise<AgingReport> {
  const open = sql`select i.customer_id, i.total - i.paid_amount as unpaid, ${options.asOf}::date - i.due_date as late
    from invoices i
    where i.kind = 'invoice' and i.status in ('issued', 'overdue') and i.total > i.paid_amount
      and i.issue_date <= ${options.asOf}::date and ${partnerCondition(sql`i.partner_id`, options.partnerIds)}`
  const buckets = sql`coalesce(sum(unpaid) filter (where late <= 0), 0)::text as current,
    coalesce(sum(unpaid) filter (where late between 1 and 30), 0)::text as d0_30,
    coalesce(sum(unpaid) filter (where late between 31 and 60), 0)::text as d31_60,
    coalesce(sum(unpaid) filter (where late between 61 and 90), 0)::text as d61_90,
    coalesce(sum(unpaid) filter (where late > 90), 0)::text as d90_plus,
    coalesce(sum(unpaid), 0)::text as total`
  const [found, [totals]] = await Promise.all([
    rows<AgingRow>(
      db,
      sql`with o as (${open}), a as (select customer_id, ${buckets} from o group by customer_id)
        select a.customer_id as "customerId", c.login, c.name, a.current, a.d0_30, a.d31_60, a.d61_90, a.d90_plus, a.total
        from a join customers c on c.id = a.customer_id
        order by a.total::numeric desc, a.customer_id
        limit ${options.limit} offset ${options.offset}`,
    ),
    rows<AgingAmounts & { count: number }>(db, sql`with o as (${open}) select ${buckets}, count(distinct customer_id)::int as count from o`),
  ])
  const money = <T extends AgingAmounts>(r: T): T => {
    const out = { ...r }
    for (const k of [...AGING_BUCKETS, 'total'] as const) out[k] = toFixed(r[k], currency)
    return out
  }
  const { count, ...sums } = totals!
  return { asOf: options.asOf, customers: found.map(money), count, totals: money(sums) }
}
