import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { toFixed } from '../../kernel/money.ts'
import { partnerCondition, type ReportFilter } from './filters.ts'

export interface TrialBalanceAmounts {
  /** Balance (credits − debits) before the period. */
  opening: string
  debits: string
  credits: string
  /** opening + credits − debits: the balance at the end of the period. */
  closing: string
}
export interface TrialBalanceRow extends TrialBalanceAmounts {
  customerId: number
  login: string
  name: string
}
export interface TrialBalance {
  customers: TrialBalanceRow[]
  count: number
  totals: TrialBalanceAmounts
}

/**
 * The trial balance of customer accounts from the ledger: per customer the opening balance, the
 * period's debits and credits and the closing balance; the totals reconcile
 * (opening + credits − debits = closing) because every figure is a sum over the same rows.
 */
export async function trialBalance(
  db: DbOrTx,
  f: ReportFilter,
  page: { limit: number; offset: number },
  currency: string,
): Promise<TrialBalance> {
  const amounts = sql`coalesce(sum(l.credit - l.debit) filter (where l.entry_date < ${f.from}::date), 0)::text as opening,
    coalesce(sum(l.debit) filter (where l.entry_date >= ${f.from}::date), 0)::text as debits,
    coalesce(sum(l.credit) filter (where l.entry_date >= ${f.from}::date), 0)::text as credits,
    coalesce(sum(l.credit - l.debit), 0)::text as closing`
  const scope = sql`l.entry_date <= ${f.to}::date and ${partnerCondition(sql`l.partner_id`, f.partnerIds)}`
  const [found, [totals]] = await Promise.all([
    rows<TrialBalanceRow>(
      db,
      sql`with t as (select l.customer_id, ${amounts} from ledger_entries l where ${scope} group by l.customer_id)
        select t.customer_id as "customerId", c.login, c.name, t.opening, t.debits, t.credits, t.closing
        from t join customers c on c.id = t.customer_id
        order by t.customer_id
        limit ${page.limit} offset ${page.offset}`,
    ),
    rows<TrialBalanceAmounts & { count: number }>(
      db,
      sql`select ${amounts}, count(distinct l.customer_id)::int as count from ledger_entries l where ${scope}`,
    ),
  ])
  const money = <T extends TrialBalanceAmounts>(r: T): T => ({
    ...r,
    opening: toFixed(r.opening, currency),
    debits: toFixed(r.debits, currency),
    credits: toFixed(r.credits, currency),
    closing: toFixed(r.closing, currency),
  })
  const { count, ...sums } = totals!
  return { customers: found.map(money), count, totals: money(sums) }
}
