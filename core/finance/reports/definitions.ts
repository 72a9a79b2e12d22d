import type { TSchema } from 'typebox'
import type { DbOrTx } from '../../../db/client.ts'
import { AGING_BUCKETS, AGING_LABELS, agingReport } from './aging.ts'
import { topDebtors } from './debtors.ts'
import type { ReportFilter } from './filters.ts'
import { mrrReport } from './mrr.ts'
import { revenueReport } from './revenue.ts'
import * as S from './schemas.ts'
import type { Bar } from './svg.ts'
import { taxReport } from './tax.ts'
import { trialBalance } from './trial-balance.ts'

export interface ReportArgs {
  filter: ReportFilter
  asOf: string
  today: string
  limit: number
  offset: number
  currency: string
  places: number
}

export interface Column {
  key: string
  label: string
  num?: boolean
}

/** A report as a page shows it and CSV exports it. */
export interface ReportTable {
  columns: Column[]
  rows: readonly object[]
  totals: Record<string, unknown> | null
  chart: { title: string; bars: Bar[] }
  /** Rows on every page, when the table is paged. */
  count?: number
  /** Extra tables shown under the main one (revenue by plan, tax by rate). */
  extra?: { title: string; columns: Column[]; rows: readonly object[] }[]
}

export interface ReportDefinition<R = unknown> {
  slug: string
  title: string
  description: string
  reply: TSchema
  /** Uses the period filter (aging uses `asOf`, top debtors neither). */
  period: boolean
  paged: boolean
  load(db: DbOrTx, a: ReportArgs): Promise<R>
  table(r: R): ReportTable
}

const define = <R>(d: ReportDefinition<R>) => d as ReportDefinition<unknown>
const money = (key: string, label: string): Column => ({ key, label, num: true })

export const REPORTS: ReportDefinition[] = [
  define({
    slug: 'revenue',
    title: 'Revenue',
    description: 'Invoiced without tax, less credit notes, by month and by plan',
    reply: S.RevenueReply,
    period: true,
    paged: false,
    load: async (db, a) => ({ from: a.filter.from, to: a.filter.to, ...(await revenueReport(db, a.filter, a.currency, a.places)) }),
    table: (r) => ({
      columns: [{ key: 'month', label: 'Month' }, money('invoiced', 'Invoiced'), money('credited', 'Credited'), money('net', 'Revenue')],
      rows: r.byMonth,
      totals: { month: 'Total', ...r.total },
      chart: { title: 'Revenue by month', bars: r.byMonth.map((m) => ({ label: m.month, value: m.net })) },
      extra: [
        {
          title: 'By plan',
          columns: [{ key: 'plan', label: 'Plan' }, money('invoiced', 'Invoiced'), money('credited', 'Credited'), money('net', 'Revenue')],
          rows: r.byPlan,
        },
      ],
    }),
  }),
  define({
    slug: 'mrr',
    title: 'MRR and ARPU',
    description: 'Monthly recurring revenue of running services and revenue per customer',
    reply: S.MrrReply,
    period: true,
    paged: false,
    load: async (db, a) => ({ from: a.filter.from, to: a.filter.to, months: await mrrReport(db, a.filter, a.currency) }),
    table: (r) => ({
      columns: [{ key: 'month', label: 'Month' }, { key: 'asOf', label: 'Measured on' }, money('mrr', 'MRR'), { key: 'customers', label: 'Customers', num: true }, money('arpu', 'ARPU')],
      rows: r.months,
      totals: null,
      chart: { title: 'MRR by month', bars: r.months.map((m) => ({ label: m.month, value: m.mrr })) },
    }),
  }),
  define({
    slug: 'tax',
    title: 'Tax',
    description: 'Tax per rate and month from invoices and credit notes',
    reply: S.TaxReply,
    period: true,
    paged: false,
    load: async (db, a) => ({ from: a.filter.from, to: a.filter.to, ...(await taxReport(db, a.filter, a.currency)) }),
    table: (r) => ({
      columns: [
        { key: 'month', label: 'Month' },
        { key: 'rate', label: 'Rate' },
        { key: 'ratePercent', label: '%', num: true },
        { key: 'included', label: 'Included' },
        money('net', 'Net'),
        money('tax', 'Tax'),
        money('gross', 'Gross'),
      ],
      rows: r.rows,
      totals: { month: 'Total', ...r.total },
      chart: { title: 'Tax by rate', bars: r.byRate.map((x) => ({ label: x.rate, value: x.tax })) },
      extra: [
        {
          title: 'By rate',
          columns: [{ key: 'rate', label: 'Rate' }, { key: 'ratePercent', label: '%', num: true }, money('net', 'Net'), money('tax', 'Tax'), money('gross', 'Gross')],
          rows: r.byRate,
        },
      ],
    }),
  }),
  define({
    slug: 'aging',
    title: 'Receivables aging',
    description: 'Unpaid invoices by days past due, per customer',
    reply: S.AgingReply,
    period: false,
    paged: true,
    load: (db, a) => agingReport(db, { asOf: a.asOf, partnerIds: a.filter.partnerIds, limit: a.limit, offset: a.offset }, a.currency),
    table: (r) => ({
      columns: [
        { key: 'customerId', label: 'ID', num: true },
        { key: 'login', label: 'Login' },
        { key: 'name', label: 'Name' },
        ...AGING_BUCKETS.map((b) => money(b, AGING_LABELS[b])),
        money('total', 'Total'),
      ],
      rows: r.customers,
      totals: { name: 'Total', ...r.totals },
      count: r.count,
      chart: { title: `Receivables by age on ${r.asOf}`, bars: AGING_BUCKETS.map((b) => ({ label: AGING_LABELS[b], value: r.totals[b] })) },
    }),
  }),
  define({
    slug: 'trial-balance',
    title: 'Trial balance',
    description: 'Opening balance, debits, credits and closing balance per customer',
    reply: S.TrialBalanceReply,
    period: true,
    paged: true,
    load: async (db, a) => ({ from: a.filter.from, to: a.filter.to, ...(await trialBalance(db, a.filter, a, a.currency)) }),
    table: (r) => ({
      columns: [
        { key: 'customerId', label: 'ID', num: true },
        { key: 'login', label: 'Login' },
        { key: 'name', label: 'Name' },
        money('opening', 'Opening'),
        money('debits', 'Debits'),
        money('credits', 'Credits'),
        money('closing', 'Closing'),
      ],
      rows: r.customers,
      totals: { name: 'Total', ...r.totals },
      count: r.count,
      chart: {
        title: 'Totals of the period',
        bars: [
          { label: 'Opening', value: r.totals.opening },
          { label: 'Debits', value: r.totals.debits },
          { label: 'Credits', value: r.totals.credits },
          { label: 'Closing', value: r.totals.closing },
        ],
      },
    }),
  }),
  define({
    slug: 'debtors',
    title: 'Top debtors',
    description: 'The customers who owe the most',
    reply: S.DebtorsReply,
    period: false,
    paged: false,
    load: async (db, a) => ({ debtors: await topDebtors(db, { today: a.today, partnerIds: a.filter.partnerIds, limit: a.limit }, a.currency) }),
    table: (r) => ({
      columns: [
        { key: 'customerId', label: 'ID', num: true },
        { key: 'login', label: 'Login' },
        { key: 'name', label: 'Name' },
        { key: 'status', label: 'Status' },
        money('debt', 'Owes'),
        money('overdue', 'Overdue'),
        { key: 'oldestDue', label: 'Oldest due date' },
      ],
      rows: r.debtors,
      totals: null,
      chart: { title: 'Top debtors', bars: r.debtors.slice(0, 20).map((d) => ({ label: d.login, value: d.debt })) },
    }),
  }),
]
