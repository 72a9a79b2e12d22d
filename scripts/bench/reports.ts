// npm run bench:reports -- --customers 100000
// Collections and finance reports at scale on real PostgreSQL: its own database (uplink_bench_reports,
// dropped and recreated), N customers with one service, three monthly invoices each (one item, one tax
// row), payments and the matching ledger rows (about 5 per customer); one customer in 20 owes an
// overdue invoice. Times the collections pass (and its re-run, which must change nothing) and each
// report as the API computes it, and prints the plans of the heaviest queries. Last line: one JSON object.
import { sql } from 'drizzle-orm'
import { runCollections } from '../../core/finance/collections/run.ts'
import { loadCases } from '../../core/finance/collections/cases.ts'
import { REPORTS, type ReportArgs } from '../../core/finance/reports/definitions.ts'
import { financeSettings } from '../../core/finance/settings.ts'
import { ManualClock } from '../../core/kernel/clock.ts'
import { emitEvent } from '../../core/kernel/events/outbox.ts'
import { ensureMainPartner } from '../../core/partners/bootstrap.ts'
import { arg, seconds, freshBenchDatabase } from './common.ts'
import { connect, rows } from '../../db/client.ts'

const DB_NAME = 'uplink_bench_reports'



async function main() {
  const n = arg('customers', 100_000)
  const url = await freshBenchDatabase(DB_NAME, 'reports')
  const database = connect(url, { max: 4 })
  const db = database.db
  await ensureMainPartner(db)

  let t = performance.now()
  await db.execute(sql`insert into customers (partner_id, login, name, status, date_added)
    select (select min(id) from partners), 'b' || g, 'Customer ' || g, 'active', '2026-01-01' from generate_series(1, ${n}) g`)
  await db.execute(sql`insert into customer_billing (customer_id) select id from customers`)
  await db.execute(sql`insert into tax_rates (name, rate_percent) values ('VAT 20', 20)`)
  await db.execute(sql`insert into plans (type, name, price) values ('recurring', 'Fiber 100', 100), ('recurring', 'Fiber 300', 150)`)
  await db.execute(sql`insert into services (customer_id, plan_id, type, description, start_date)
    select c.id, (select min(id) from plans) + (c.id % 2), 'recurring', 'Fiber', '2026-01-01' from customers c`)
  // Three invoices per customer: 1 Mar, 1 Apr, 1 May 2026, due 15 days later, 100 + 20 % tax; March's is
  // paid, April's unpaid for one customer in 20 (overdue on 10 May), May's not due yet.
  await db.execute(sql`insert into invoices (customer_id, partner_id, series, number, status, issue_date, due_date, currency, net, tax, total, paid_amount, customer_snapshot, seller_snapshot)
    select c.id, c.partner_id, 'invoice', m || '-' || c.id, 'issued', d, d + 15, 'EUR', 100, 20, 120,
      case when m = 1 or (m = 2 and c.id % 20 <> 0) then 120 else 0 end, '{}'::jsonb, '{}'::jsonb
    from customers c, generate_series(1, 3) m, lateral (select ('2026-02-01'::date + (m || ' month')::interval)::date as d) x`)
  await db.execute(sql`update invoices set status = 'paid' where paid_amount = total`)
  await db.execute(sql`insert into invoice_items (invoice_id, position, description, plan_id, quantity, unit_price, amount, tax_rate_id, tax_percent)
    select i.id, 1, 'Fiber', (select min(id) from plans) + (i.customer_id % 2), 1, 100, 100, (select min(id) from tax_rates), 20 from invoices i`)
  await db.execute(sql`insert into document_taxes (invoice_id, tax_rate_id, rate_percent, included, net, tax, gross)
    select i.id, (select min(id) from tax_rates), 20, false, 100, 20, 120 from invoices i`)
  await db.execute(sql`insert into ledger_entries (customer_id, partner_id, kind, entry_date, debit, description, invoice_id)
    select customer_id, partner_id, 'invoice', issue_date, total, 'Invoice ' || number, id from invoices`)
  await db.execute(sql`insert into ledger_entries (customer_id, partner_id, kind, entry_date, credit, description)
    select customer_id, partner_id, 'payment', issue_date + 5, paid_amount, 'Payment' from invoices where paid_amount > 0`)
  await db.execute(sql`analyze`)
  const [{ ledger } = { ledger: 0 }] = await rows<{ ledger: number }>(db, sql`select count(*)::int as ledger from ledger_entries`)
  const buildS = seconds(t)
  console.log(`built ${n} customers, ${ledger} ledger rows in ${buildS} s`)

  const clock = new ManualClock('2026-05-10T04:00:00Z')
  const deps = { clock, emit: emitEvent }
  t = performance.now()
  const first = await runCollections(db, deps, '2026-05-10', async (percent, message) =>
    console.log(`  ${seconds(t)} s: ${percent} % ${message}`),
  )
  const collectionsS = seconds(t)
  t = performance.now()
  const again = await runCollections(db, deps, '2026-05-10')
  const rerunS = seconds(t)
  console.log('collections', JSON.stringify(first), collectionsS, 's; re-run', JSON.stringify(again), rerunS, 's')

  const args: ReportArgs = {
    filter: { from: '2026-01-01', to: '2026-05-10', partnerIds: null },
    asOf: '2026-05-10',
    today: '2026-05-10',
    limit: 100,
    offset: 0,
    currency: 'EUR',
    places: 2,
  }
  const timings: Record<string, number> = {}
  for (const def of REPORTS) {
    t = performance.now()
    await def.load(db, def.slug === 'debtors' ? { ...args, limit: 20 } : args)
    timings[`${def.slug.replace('-', '_')}_ms`] = Math.round(performance.now() - t)
  }
  t = performance.now()
  const settings = await financeSettings(db)
  const cases = await loadCases(db, '2026-05-10', settings, { candidatesOnly: true })
  timings.collection_cases_ms = Math.round(performance.now() - t)
  console.log(`${cases.length} collection cases`)

  for (const [name, query] of [
    ['trial balance', sql`explain analyze with t as (select l.customer_id, sum(l.credit - l.debit) filter (where l.entry_date < '2026-03-01') as opening, sum(l.debit) filter (where l.entry_date >= '2026-03-01') as debits from ledger_entries l where l.entry_date <= '2026-03-31' group by l.customer_id) select * from t join customers c on c.id = t.customer_id order by t.customer_id limit 100`],
    ['aging', sql`explain analyze select i.customer_id, sum(i.total - i.paid_amount) from invoices i where i.kind = 'invoice' and i.status in ('issued', 'overdue') and i.total > i.paid_amount and i.issue_date <= '2026-05-10' group by i.customer_id`],
    ['overdue candidates', sql`explain analyze select i.customer_id from invoices i where i.kind = 'invoice' and i.status in ('issued', 'overdue') and i.due_date < '2026-05-10' and i.total > i.paid_amount`],
  ] as const) {
    const plan = await rows<{ 'QUERY PLAN': string }>(db, query)
    console.log(`--- ${name}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`)
  }
  await database.close()
  console.log(
    JSON.stringify({
      bench: 'reports',
      customers: n,
      ledger_rows: ledger,
      collections_s: collectionsS,
      blocked: first.blocked,
      collections_rerun_s: rerunS,
      rerun_changes: again.blocked + again.unblocked + again.deactivated + again.lateFees + again.reminders,
      ...timings,
    }),
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
