import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { toFixed } from '../../kernel/money.ts'
import { overdueInvoiceSql } from '../collections/cases.ts'
import { partnerCondition } from './filters.ts'

export interface DebtorRow {
  customerId: number
  login: string
  name: string
  status: string
  /** What the customer owes: the negated balance. */
  debt: string
  overdue: string
  oldestDue: string | null
}

/** The customers who owe the most (ledger balance below zero), with their overdue part. */
export async function topDebtors(
  db: DbOrTx,
  options: { today: string; partnerIds: number[] | null; limit: number },
  currency: string,
): Promise<DebtorRow[]> {
  const found = await rows<DebtorRow>(
    db,
    sql`with b as (
        select l.customer_id, sum(l.credit - l.debit) as balance from ledger_entries l
        where ${partnerCondition(sql`l.partner_id`, options.partnerIds)}
        group by l.customer_id having sum(l.credit - l.debit) < 0
        order by 2 limit ${options.limit}
      )
      select c.id as "customerId", c.login, c.name, c.status::text as status, (-b.balance)::text as debt,
        coalesce(o.overdue, 0)::text as overdue, o.oldest_due::text as "oldestDue"
      from b join customers c on c.id = b.customer_id
      left join lateral (
        select sum(i.total - i.paid_amount) as overdue, min(i.due_date) as oldest_due
        from invoices i where i.customer_id = c.id and ${overdueInvoiceSql(options.today)}
      ) o on true
      order by b.balance, c.id`,
  )
  return found.map((r) => ({ ...r, debt: toFixed(r.debt, currency), overdue: toFixed(r.overdue, currency) }))
}
