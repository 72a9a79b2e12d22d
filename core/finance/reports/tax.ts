import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { sum, toFixed } from '../../kernel/money.ts'
import { partnerCondition, type ReportFilter } from './filters.ts'

export interface TaxRow {
  month: string
  taxRateId: number | null
  rate: string
  ratePercent: string
  included: boolean
  net: string
  tax: string
  gross: string
}
export interface TaxReport {
  rows: TaxRow[]
  /** One row per rate for the whole period. */
  byRate: Omit<TaxRow, 'month'>[]
  total: { net: string; tax: string; gross: string }
}

/**
 * Tax per rate and month as the documents computed it (document_taxes): invoices that were not
 * voided, and issued credit notes as negative amounts.
 */
export async function taxReport(db: DbOrTx, f: ReportFilter, currency: string): Promise<TaxReport> {
  const found = await rows<Omit<TaxRow, 'rate'> & { rate: string | null }>(
    db,
    sql`with t as (
        select to_char(i.issue_date, 'YYYY-MM') as month, d.tax_rate_id, d.rate_percent, d.included, d.net, d.tax, d.gross
        from document_taxes d join invoices i on i.id = d.invoice_id
        where i.kind = 'invoice' and i.status <> 'void' and i.issue_date between ${f.from}::date and ${f.to}::date
          and ${partnerCondition(sql`i.partner_id`, f.partnerIds)}
        union all
        select to_char(n.issue_date, 'YYYY-MM'), d.tax_rate_id, d.rate_percent, d.included, -d.net, -d.tax, -d.gross
        from document_taxes d join credit_notes n on n.id = d.credit_note_id
        where n.status = 'issued' and n.issue_date between ${f.from}::date and ${f.to}::date
          and ${partnerCondition(sql`n.partner_id`, f.partnerIds)}
      )
      select t.month, t.tax_rate_id as "taxRateId", r.name as rate, t.rate_percent::text as "ratePercent", t.included,
        sum(t.net)::text as net, sum(t.tax)::text as tax, sum(t.gross)::text as gross
      from t left join tax_rates r on r.id = t.tax_rate_id
      group by t.month, t.tax_rate_id, r.name, t.rate_percent, t.included
      order by t.month, t.rate_percent desc, t.included`,
  )
  const money = (v: string) => toFixed(v, currency)
  const list: TaxRow[] = found.map((r) => ({
    ...r,
    rate: r.rate ?? (Number(r.ratePercent) === 0 ? 'No tax' : `${r.ratePercent.replace(/\.?0+$/, '')} %`),
    net: money(r.net),
    tax: money(r.tax),
    gross: money(r.gross),
  }))
  const rates = new Map<string, TaxRow[]>()
  for (const r of list) {
    const key = `${r.taxRateId}|${r.ratePercent}|${r.included}`
    rates.set(key, [...(rates.get(key) ?? []), r])
  }
  const byRate = [...rates.values()].map((rs) => ({
    taxRateId: rs[0]!.taxRateId,
    rate: rs[0]!.rate,
    ratePercent: rs[0]!.ratePercent,
    included: rs[0]!.included,
    net: toFixed(sum(rs.map((r) => r.net)), currency),
    tax: toFixed(sum(rs.map((r) => r.tax)), currency),
    gross: toFixed(sum(rs.map((r) => r.gross)), currency),
  }))
  return {
    rows: list,
    byRate,
    total: {
      net: toFixed(sum(list.map((r) => r.net)), currency),
      tax: toFixed(sum(list.map((r) => r.tax)), currency),
      gross: toFixed(sum(list.map((r) => r.gross)), currency),
    },
  }
}
