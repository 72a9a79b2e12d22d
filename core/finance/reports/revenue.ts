import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { dec, round, sum, toFixed } from '../../kernel/money.ts'
import { partnerCondition, type ReportFilter } from './filters.ts'

export interface RevenueRow {
  invoiced: string
  credited: string
  net: string
}
export interface RevenueByMonth extends RevenueRow {
  month: string
}
export interface RevenueByPlan extends RevenueRow {
  planId: number | null
  plan: string
}
export interface RevenueReport {
  byMonth: RevenueByMonth[]
  byPlan: RevenueByPlan[]
  total: RevenueRow
}

interface RawLine {
  month: string
  planId: number | null
  plan: string | null
  invoiced: string
  credited: string
}

/** A line's amount without tax: lines with tax included hold the gross. */
const lineNet = (t: string, places: number) =>
  sql.raw(`(case when ${t}.tax_included then round(${t}.amount * 100 / (100 + ${t}.tax_percent), ${places}) else ${t}.amount end)`)

/**
 * Revenue without tax, by month of the document and by plan: invoice lines of invoices that were not
 * voided, less the lines of issued credit notes (credited to the plan of the line or service they credit).
 */
export async function revenueReport(db: DbOrTx, f: ReportFilter, currency: string, places: number): Promise<RevenueReport> {
  const lines = await rows<RawLine>(
    db,
    sql`with lines as (
        select to_char(i.issue_date, 'YYYY-MM') as month, it.plan_id, ${lineNet('it', places)} as invoiced, 0::numeric as credited
        from invoices i join invoice_items it on it.invoice_id = i.id
        where i.kind = 'invoice' and i.status <> 'void' and i.issue_date between ${f.from}::date and ${f.to}::date
          and ${partnerCondition(sql`i.partner_id`, f.partnerIds)}
        union all
        select to_char(n.issue_date, 'YYYY-MM'), coalesce(ii.plan_id, s.plan_id), 0, ${lineNet('ci', places)}
        from credit_notes n join credit_note_items ci on ci.credit_note_id = n.id
          left join invoice_items ii on ii.id = ci.invoice_item_id
          left join services s on s.id = ci.service_id
        where n.status = 'issued' and n.issue_date between ${f.from}::date and ${f.to}::date
          and ${partnerCondition(sql`n.partner_id`, f.partnerIds)}
      )
      select l.month, l.plan_id as "planId", p.name as plan, sum(l.invoiced)::text as invoiced, sum(l.credited)::text as credited
      from lines l left join plans p on p.id = l.plan_id
      group by l.month, l.plan_id, p.name
      order by l.month, p.name nulls last`,
  )
  const fmt = (invoiced: string[], credited: string[]): RevenueRow => {
    const inv = round(sum(invoiced), currency)
    const cr = round(sum(credited), currency)
    return { invoiced: toFixed(inv, currency), credited: toFixed(cr, currency), net: toFixed(inv.minus(cr), currency) }
  }
  const group = <K extends string>(key: (l: RawLine) => K) => {
    const m = new Map<K, RawLine[]>()
    for (const l of lines) m.set(key(l), [...(m.get(key(l)) ?? []), l])
    return m
  }
  const byMonth = [...group((l) => l.month)].map(([month, ls]) => ({ month, ...fmt(ls.map((l) => l.invoiced), ls.map((l) => l.credited)) }))
  const byPlan = [...group((l) => String(l.planId ?? ''))]
    .map(([, ls]) => ({
      planId: ls[0]!.planId,
      plan: ls[0]!.plan ?? 'Other charges',
      ...fmt(ls.map((l) => l.invoiced), ls.map((l) => l.credited)),
    }))
    .sort((a, b) => dec(b.net).comparedTo(dec(a.net)) || a.plan.localeCompare(b.plan))
  return { byMonth, byPlan, total: fmt(lines.map((l) => l.invoiced), lines.map((l) => l.credited)) }
}
