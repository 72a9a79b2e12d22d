import { sql, type SQL } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { compareDates, formatDate, minDate, toDate } from '../../kernel/dates.ts'
import { dec, round, toFixed } from '../../kernel/money.ts'
import { partnerCondition, type ReportFilter } from './filters.ts'
import { monthlyAmountSql, runningOnSql } from './recurring.ts'

export interface MrrRow {
  month: string
  /** The day the month is measured on: its last day, or the period's end. */
  asOf: string
  mrr: string
  customers: number
  arpu: string
}

/**
 * Monthly recurring revenue and revenue per paying customer, for each month of the period: the
 * services of recurring plans running on the month's last day at their current price, quantity and
 * discount (without tax). One set-based pass over months × services.
 */
export async function mrrReport(db: DbOrTx, f: ReportFilter, currency: string): Promise<MrrRow[]> {
  const on = sql`m.as_of`
  // The months as literal rows: the planner then knows how few there are.
  const months: SQL[] = []
  for (let d = toDate(f.from).with({ day: 1 }); compareDates(d, f.to) <= 0; d = d.add({ months: 1 })) {
    const end = minDate(d.add({ months: 1 }).subtract({ days: 1 }), f.to)
    months.push(sql`(${d.toString().slice(0, 7)}, ${formatDate(end)}::date)`)
  }
  const found = await rows<{ month: string; asOf: string; mrr: string; customers: number }>(
    db,
    sql`with months (month, as_of) as (values ${sql.join(months, sql`, `)})
      select m.month, m.as_of::text as "asOf", coalesce(sum(${monthlyAmountSql(on)}), 0)::text as mrr,
        count(distinct s.customer_id)::int as customers
      from months m
        left join (services s join plans p on p.id = s.plan_id join customers c on c.id = s.customer_id
          and ${partnerCondition(sql`c.partner_id`, f.partnerIds)})
        on ${runningOnSql(on)}
      group by m.month, m.as_of
      order by m.month`,
  )
  return found.map((r) => {
    const mrr = round(r.mrr, currency)
    return {
      month: r.month,
      asOf: r.asOf,
      mrr: toFixed(mrr, currency),
      customers: r.customers,
      arpu: toFixed(r.customers ? round(mrr.div(r.customers), currency) : dec('0'), currency),
    }
  })
}
