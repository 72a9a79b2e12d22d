import t from 'tap'
import { Temporal } from 'temporal-polyfill'
import { daysInclusive } from '../../../core/kernel/dates.ts'
import { dec, round, sum } from '../../../core/kernel/money.ts'
import { duePieces, periodContaining, periodLength, type PeriodPiece } from '../../../core/finance/periods.ts'
import { chargePiece, planChange, prorate } from '../../../core/finance/proration.ts'

// A fixed-seed generator (mulberry32): the same "random" cases on every run and machine.
function generator(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) }
}

const EPOCH = Temporal.PlainDate.from('2026-01-01')

t.test('billed periods never overlap, never leave a gap, and cover every active day once', async (t) => {
  const rnd = generator(20261125)
  let cases = 0
  for (let i = 0; i < 400; i++) {
    const start = EPOCH.add({ days: rnd.int(0, 400) })
    const end = rnd.next() < 0.5 ? start.add({ days: rnd.int(0, 500) }) : null
    const billingDay = rnd.int(1, 28)
    const mode = rnd.next() < 0.5 ? ('prepaid' as const) : ('postpaid' as const)
    const periodsAhead = mode === 'prepaid' ? rnd.int(1, 12) : 1
    const terms = { startDate: start, endDate: end, billingDay, mode, periodsAhead }
    // Runs on random days over 24 months (some on the billing day, some skipped for weeks).
    const horizon = EPOCH.add({ months: 24 })
    let run = EPOCH
    let billedThrough: Temporal.PlainDate | null = null
    let lastRun = run
    const pieces: PeriodPiece[] = []
    while (Temporal.PlainDate.compare(run, horizon) <= 0) {
      lastRun = run
      const due = duePieces(terms, { runDate: run, billedThrough })
      if (due.length) {
        pieces.push(...due)
        billedThrough = due.at(-1)!.end
      }
      run = run.add({ days: rnd.next() < 0.3 ? rnd.int(20, 60) : rnd.int(1, 10) })
    }
    for (const [k, p] of pieces.entries()) {
      if (Temporal.PlainDate.compare(p.start, p.end) > 0) t.fail(`case ${i}: empty piece`)
      const containing = periodContaining(p.start, billingDay)
      if (!containing.start.equals(p.period.start) || Temporal.PlainDate.compare(p.end, p.period.end) > 0) {
        t.fail(`case ${i}: piece ${p.start}..${p.end} leaves its period`)
      }
      if (p.days !== daysInclusive(p.start, p.end) || p.periodDays !== periodLength(p.period)) {
        t.fail(`case ${i}: bad day counts`)
      }
      const prev = pieces[k - 1]
      if (prev && !prev.end.add({ days: 1 }).equals(p.start)) {
        t.fail(`case ${i}: ${prev.end} then ${p.start}: gap or overlap`)
      }
    }
    if (pieces.length) {
      if (!pieces[0]!.start.equals(start))
        t.fail(`case ${i}: billing starts ${pieces[0]!.start}, service ${start}`)
      const last = pieces.at(-1)!.end
      if (end && Temporal.PlainDate.compare(last, end) > 0) t.fail(`case ${i}: billed past the end date`)
      const billedDays = pieces.reduce((n, p) => n + p.days, 0)
      if (billedDays !== daysInclusive(start, last)) t.fail(`case ${i}: days billed twice or missed`)
    }
    // Nothing that was due is left unbilled.
    if (duePieces(terms, { runDate: lastRun, billedThrough }).length)
      t.fail(`case ${i}: a run left days unbilled`)
    cases++
  }
  t.equal(cases, 400, '400 random services over 24 months')
})

t.test('a period split at any days sums to its price exactly', async (t) => {
  const rnd = generator(7)
  for (let i = 0; i < 2000; i++) {
    const currency = ['EUR', 'JPY', 'KWD'][rnd.int(0, 2)]!
    const price = (rnd.int(1, 5_000_000) / 10_000).toFixed(4) // up to 4 decimals, like rate prices
    const period = periodContaining(EPOCH.add({ days: rnd.int(0, 800) }), rnd.int(1, 28))
    const D = periodLength(period)
    const cuts = [...new Set(Array.from({ length: rnd.int(1, 4) }, () => rnd.int(1, D - 1)))].sort(
      (a, b) => a - b,
    )
    const bounds = [0, ...cuts, D]
    const parts = bounds.slice(1).map((b, k) => prorate(price, bounds[k]!, b - bounds[k]!, D, currency))
    if (!sum(parts).eq(round(price, currency))) {
      t.fail(`${price} ${currency} over ${D} days cut at ${cuts}: ${sum(parts)} != ${round(price, currency)}`)
    }
    // Each part is within one minor unit of the calculator's price / days × used.
    const unit = dec(currency === 'JPY' ? '1' : currency === 'KWD' ? '0.001' : '0.01')
    for (const [k, part] of parts.entries()) {
      const direct = dec(price)
        .div(D)
        .times(bounds[k + 1]! - bounds[k]!)
      if (part.minus(direct).abs().gt(unit)) t.fail(`${price}: part ${part} is far from ${direct}`)
    }
    // A plan change on any day: used + unused is exactly what the period cost.
    const cut = cuts[0]!
    const change = planChange({
      period,
      changeDate: period.start.add({ days: cut }),
      oldAmount: price,
      newAmount: price,
      currency,
    })
    if (!change.used.plus(change.unused).eq(round(price, currency)))
      t.fail(`${price}: used + unused != price`)
    if (!change.used.plus(change.newCharge).eq(round(price, currency)))
      t.fail(`${price}: same plan changed costs more`)
  }
  t.pass('2000 random prices, periods and splits')
})

t.test('a partial period never costs more than a whole one, discounts included', async (t) => {
  const rnd = generator(99)
  for (let i = 0; i < 1000; i++) {
    const billingDay = rnd.int(1, 28)
    const start = EPOCH.add({ days: rnd.int(0, 700) })
    const [piece] = duePieces({ startDate: start, billingDay, mode: 'prepaid' }, { runDate: start })
    const input = {
      price: (rnd.int(100, 100_000) / 100).toFixed(2),
      quantity: String(rnd.int(1, 5)),
      currency: 'EUR',
      discount: { percent: String(rnd.int(0, 100)), start: start.add({ days: rnd.int(-40, 40) }) },
    }
    const line = chargePiece(piece!, input)
    const whole = chargePiece(
      { ...piece!, start: piece!.period.start, offset: 0, days: piece!.periodDays, full: true },
      input,
    )
    if (line.amount.gt(whole.base) || line.amount.isNeg() || line.discount.gt(line.base)) {
      t.fail(`${input.price} from ${start}: ${line.amount} vs whole ${whole.base}`)
    }
  }
  t.pass('1000 random first periods')
})
