// Property-style check of the billing engine: random services (starts, ends, plan changes, discounts,
// quantities, custom prices, billing days and types) and random payments over 24 simulated months,
// a real billing run each month, and after every run the invariants below.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { Temporal } from 'temporal-polyfill'
import { ManualClock } from '../../../../core/kernel/clock.ts'
import { emitEvent } from '../../../../core/kernel/events/outbox.ts'
import { dec, ZERO } from '../../../../core/kernel/money.ts'
import { customerBalances, appendLedger } from '../../../../core/finance/ledger.ts'
import { payments } from '../../../../core/finance/schema.ts'
import { endService } from '../../../../core/services/service.ts'
import { schedulePlanChange } from '../../../../core/services/plan-change.ts'
import { rows } from '../../../../db/client.ts'
import { testDatabase } from '../../../helpers/db.ts'
import { admin, customer, mainPartner, plan, runBilling, service } from './fixtures.ts'

t.setTimeout(900_000)
const SEED = Number(process.env.BILLING_SEED ?? 20260301)
t.comment(`seed ${SEED}`)

function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const rnd = mulberry32(SEED)
const dayNumber = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000
const isoDay = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10)
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
const pick = <T>(list: readonly T[]) => list[int(0, list.length - 1)]!

const handle = await testDatabase()
t.teardown(() => handle.close())
const { db } = handle
const partner = await mainPartner(db)
const deps = (clock: ManualClock) => ({ clock, emit: emitEvent, config: {} as never })

const START = Temporal.PlainDate.from('2025-01-01')
const [vat] = await rows<{ id: number }>(
  db,
  sql`insert into tax_rates (name, rate_percent) values ('VAT 23 prop', 23) returning id`,
)
const planIds: number[] = []
for (const [i, price] of ['19.99', '200', '35.5', '120', '7.333333'].entries())
  planIds.push(await plan(db, { name: `Plan ${i}`, price, taxRateId: i % 2 ? vat!.id : undefined }))

interface Svc {
  id: number
  customerId: number
  type: 'recurring_postpaid' | 'recurring_prepaid' | 'prepaid_daily'
  billingDay: number
  start: string
  end: string | null
}
const svcs: Svc[] = []
const CUSTOMERS = 110
for (let i = 0; i < CUSTOMERS; i++) {
  const type = pick([
    'recurring_postpaid',
    'recurring_postpaid',
    'recurring_prepaid',
    'prepaid_daily',
  ] as const)
  const billingDay = type === 'prepaid_daily' ? 1 : pick([1, 1, 5, 15, 28])
  const c = await customer(db, partner, {
    billingDay,
    type,
    periodsAhead: type === 'recurring_prepaid' ? int(1, 3) : 1,
  })
  for (let k = int(1, 3); k > 0; k--) {
    const start = START.add({ days: int(0, 540) })
    const end = rnd() < 0.25 ? start.add({ days: int(0, 300) }) : null
    const discount = rnd() < 0.3
    const dStart = start.add({ days: int(-10, 60) })
    const id = await service(db, c, pick(planIds), {
      start: start.toString(),
      end: end?.toString() ?? null,
      quantity: pick(['1', '1', '2', '1.5']),
      unitPrice: rnd() < 0.15 ? '49.95' : null,
      discount: discount ? pick(['10', '25', '33.3333']) : '0',
      discountStart: discount ? dStart.toString() : undefined,
      discountEnd: discount && rnd() < 0.5 ? dStart.add({ days: int(0, 90) }).toString() : undefined,
    })
    svcs.push({ id, customerId: c, type, billingDay, start: start.toString(), end: end?.toString() ?? null })
  }
}
t.comment(`${CUSTOMERS} customers, ${svcs.length} services`)

/** The day a service must be billed through on a run date, by the rule of its billing type (independent of periods.ts). */
function mustBeBilledThrough(s: Svc, runDate: Temporal.PlainDate): Temporal.PlainDate | null {
  let through: Temporal.PlainDate
  const ps =
    runDate.day >= s.billingDay
      ? runDate.with({ day: s.billingDay })
      : runDate.subtract({ months: 1 }).with({ day: s.billingDay })
  if (s.type === 'recurring_postpaid') through = ps.subtract({ days: 1 })
  else if (s.type === 'prepaid_daily') through = runDate
  else through = ps.add({ months: 1 }).subtract({ days: 1 })
  if (s.end && Temporal.PlainDate.compare(s.end, through) < 0) through = Temporal.PlainDate.from(s.end)
  return Temporal.PlainDate.compare(through, s.start) < 0 ? null : through
}

t.test('24 monthly runs over random services keep every invariant', async (t) => {
  const paid = new Map<number, ReturnType<typeof dec>>()
  let chargesSoFar = ZERO
  for (let m = 1; m <= 24; m++) {
    const runDate = START.add({ months: m })
    // Between runs: plan changes, ends and payments on random days of the month before.
    for (const s of svcs) {
      if (rnd() < 0.04) {
        const day = runDate.subtract({ days: int(1, 27) })
        if (
          Temporal.PlainDate.compare(day, s.start) <= 0 ||
          (s.end && Temporal.PlainDate.compare(day, s.end) > 0)
        )
          continue
        const clock = new ManualClock(`${day}T09:00:00Z`)
        const [{ planId } = { planId: 0 }] = await rows<{ planId: number }>(
          db,
          sql`select plan_id as "planId" from services where id = ${s.id}`,
        )
        await schedulePlanChange(db, deps(clock), admin, s.id, {
          planId: pick(planIds.filter((p) => p !== planId)),
          effectiveDate: day.toString(),
        })
      } else if (!s.end && rnd() < 0.02) {
        const day = runDate.add({ days: int(0, 40) })
        if (Temporal.PlainDate.compare(day, s.start) < 0) continue
        await endService(
          db,
          { ...deps(new ManualClock(`${runDate.subtract({ days: 1 })}T09:00:00Z`)) },
          admin,
          s.id,
          day.toString(),
        )
        s.end = day.toString()
      }
    }
    for (let i = 0; i < 8; i++) {
      const customerId = pick(svcs).customerId
      const amount = dec(`${int(1, 300)}.${String(int(0, 99)).padStart(2, '0')}`)
      const receivedOn = runDate.subtract({ days: int(1, 20) }).toString()
      const [p] = await db
        .insert(payments)
        .values({
          customerId,
          partnerId: partner,
          method: 'cash',
          amount: amount.toFixed(),
          currency: 'EUR',
          receivedOn,
        })
        .returning({ id: payments.id })
      await appendLedger(db, [
        {
          customerId,
          partnerId: partner,
          kind: 'payment',
          entryDate: receivedOn,
          credit: amount,
          description: 'Payment',
          paymentId: p!.id,
        },
      ])
      paid.set(customerId, (paid.get(customerId) ?? ZERO).plus(amount))
    }

    const { preview, committed } = await runBilling(
      db,
      new ManualClock(`${runDate}T06:00:00Z`),
      runDate.toString(),
      { batchSize: 40 },
    )
    // A customer whose result is a credit gets a credit note (its item counts in the preview, not in the
    // committed invoice totals): invoices are never negative.
    const [credited] = await rows<{ t: string }>(
      db,
      sql`select coalesce(sum(total), 0)::text as t from billing_run_items where run_id = ${committed.id} and status = 'credited'`,
    )
    t.ok(
      dec(committed.total).plus(credited!.t).eq(preview.total),
      `${runDate}: the committed run issued exactly the previewed charges (${committed.total} invoiced, ${credited!.t} credited, ${preview.total} previewed)`,
    )
    const [negative] = await rows<{ n: number }>(db, sql`select count(*)::int as n from invoices where total < 0`)
    t.equal(negative!.n, 0, `${runDate}: no negative invoice`)
    chargesSoFar = chargesSoFar.plus(preview.total)

    // 1. Every day of every service billed exactly once, up to where its billing type bills, and no further.
    const items = await rows<{ serviceId: number; start: string; end: string; key: string }>(
      db,
      sql`select service_id as "serviceId", period_start::text as start, period_end::text as end, charge_key as key
        from invoice_items where released_at is null and service_id is not null and period_start is not null and (charge_key like 'service:%' or charge_key like 'change:%' or charge_key like 'end:%')
        union all
        select service_id, period_start::text, period_end::text, charge_key
        from credit_note_items where released_at is null and service_id is not null and period_start is not null and (charge_key like 'service:%' or charge_key like 'change:%' or charge_key like 'end:%')`,
    )
    // Days as whole numbers (days since 1970-01-01): the check walks every billed day of every run so far.
    const cover = new Map<number, Map<number, number>>()
    for (const it of items) {
      const sign = it.key.endsWith(':credit') ? -1 : 1
      const days = cover.get(it.serviceId) ?? new Map<number, number>()
      for (let d = dayNumber(it.start), last = dayNumber(it.end); d <= last; d++) days.set(d, (days.get(d) ?? 0) + sign)
      cover.set(it.serviceId, days)
    }
    const bad: string[] = []
    for (const s of svcs) {
      const through = mustBeBilledThrough(s, runDate)
      const days = cover.get(s.id) ?? new Map<number, number>()
      const first = dayNumber(s.start)
      const last = s.end === null ? Number.POSITIVE_INFINITY : dayNumber(s.end)
      for (const [day, n] of days) {
        const outside = day < first || day > last
        if (outside ? n !== 0 : n !== 1)
          bad.push(`service ${s.id} day ${isoDay(day)} billed ${n} times${outside ? ' outside its dates' : ''}`)
      }
      if (through)
        for (let d = first, end = dayNumber(through.toString()); d <= end; d++)
          if (!days.has(d)) {
            bad.push(`service ${s.id} (${s.type}) day ${isoDay(d)} not billed by ${runDate}`)
            break
          }
    }
    t.same(bad.slice(0, 5), [], `${runDate}: every due day of every service billed exactly once`)

    // 2. Sums: invoice totals less the run's credit notes = charges = tax groups = ledger; lines = nets.
    const [sums] = await rows<{ total: string; net: string; lines: string; taxes: string; ledger: string }>(
      db,
      sql`select ((select coalesce(sum(total), 0) from invoices) - (select coalesce(sum(total), 0) from credit_notes))::text as total,
               ((select coalesce(sum(net), 0) from invoices) - (select coalesce(sum(net), 0) from credit_notes))::text as net,
               ((select coalesce(sum(amount), 0) from invoice_items) - (select coalesce(sum(amount), 0) from credit_note_items))::text as lines,
               (select coalesce(sum(case when invoice_id is null then -gross else gross end), 0)::text from document_taxes) as taxes,
               (select coalesce(sum(debit - credit), 0)::text from ledger_entries where kind in ('invoice', 'credit_note')) as ledger`,
    )
    t.ok(
      dec(sums!.total).eq(chargesSoFar) &&
        dec(sums!.taxes).eq(chargesSoFar) &&
        dec(sums!.ledger).eq(chargesSoFar) &&
        dec(sums!.lines).eq(sums!.net),
      `${runDate}: invoice totals ${sums!.total} = charges ${chargesSoFar.toFixed(2)} = taxes ${sums!.taxes} = ledger ${sums!.ledger}; lines ${sums!.lines} = nets ${sums!.net}`,
    )

    // 3. Balance = credits − debits: payments minus invoices for every customer.
    const invoiced = new Map(
      (
        await rows<{ c: number; t: string }>(
          db,
          sql`select c, sum(t)::text as t from (select customer_id as c, total as t from invoices
                                                 union all select customer_id, -total from credit_notes) d group by 1`,
        )
      ).map((r) => [r.c, dec(r.t)]),
    )
    const ids = [...new Set(svcs.map((s) => s.customerId))]
    const balances = await customerBalances(db, ids)
    const wrong = ids.filter(
      (id) => !(balances.get(id) ?? ZERO).eq((paid.get(id) ?? ZERO).minus(invoiced.get(id) ?? ZERO)),
    )
    t.same(wrong, [], `${runDate}: balance = payments − invoices for every customer`)

    // 4. Invoice numbers: per counter, 1..N with no gap and no repeat.
    const numbers = (await rows<{ n: string }>(db, sql`select number as n from invoices order by id`)).map(
      (r) => r.n,
    )
    const byCounter = new Map<string, number[]>()
    for (const n of numbers)
      byCounter.set(n.slice(0, -6), [...(byCounter.get(n.slice(0, -6)) ?? []), Number(n.slice(-6))])
    const gaps = [...byCounter].filter(([, seq]) =>
      [...seq].sort((a, b) => a - b).some((v, i) => v !== i + 1),
    )
    t.same(
      gaps.map(([k]) => k),
      [],
      `${runDate}: ${numbers.length} invoice numbers, none skipped or reused`,
    )
  }
})
