import t from 'tap'
import { ValidationError } from '../../../core/kernel/errors.ts'
import {
  checkBillingDay,
  duePieces,
  dueRange,
  nextPeriod,
  periodContaining,
  periodLength,
  splitByPeriods,
} from '../../../core/finance/periods.ts'

const r = (x: { start: unknown; end: unknown } | null) => (x ? `${x.start}..${x.end}` : null)

t.test('billing day 1..28, 29-31 refused with the field named', async (t) => {
  t.equal(checkBillingDay(1), 1)
  t.equal(checkBillingDay(28), 28)
  for (const bad of [0, 29, 30, 31, 1.5, -1]) {
    t.throws(() => checkBillingDay(bad, 'billingDay'), ValidationError, `refuses ${bad}`)
  }
  try {
    periodContaining('2026-03-01', 31)
  } catch (err) {
    t.equal((err as ValidationError).fields[0]!.field, 'billingDay')
  }
})

t.test('a period runs from the billing day to the day before the next one', async (t) => {
  t.equal(r(periodContaining('2026-03-15', 1)), '2026-03-01..2026-03-31')
  t.equal(r(periodContaining('2026-03-15', 15)), '2026-03-15..2026-04-14')
  t.equal(r(periodContaining('2026-03-14', 15)), '2026-02-15..2026-03-14')
  t.equal(periodLength(periodContaining('2026-03-14', 15)), 28, 'its length is the starting month')
  t.equal(r(periodContaining('2026-01-10', 28)), '2025-12-28..2026-01-27', 'across the year')
  t.equal(r(periodContaining('2028-02-29', 28)), '2028-02-28..2028-03-27')
  t.equal(r(nextPeriod(periodContaining('2026-12-20', 20), 20)), '2027-01-20..2027-02-19')
})

t.test('ranges split at period boundaries', async (t) => {
  const pieces = splitByPeriods('2026-03-15', '2026-04-30', 1)
  t.same(
    pieces.map((p) => [r(p), p.days, p.periodDays, p.offset, p.full]),
    [
      ['2026-03-15..2026-03-31', 17, 31, 14, false],
      ['2026-04-01..2026-04-30', 30, 30, 0, true],
    ],
  )
  t.same(splitByPeriods('2026-03-02', '2026-03-01', 1), [])
  const mid = splitByPeriods('2026-01-20', '2026-02-10', 15)
  t.same(
    mid.map((p) => [r(p), r(p.period), p.offset]),
    [['2026-01-20..2026-02-10', '2026-01-15..2026-02-14', 5]],
  )
})

t.test('prepaid: the coming period, with the catch-up of a late first invoice', async (t) => {
  const terms = { startDate: '2026-03-15', billingDay: 1, mode: 'prepaid' as const }
  t.equal(r(dueRange(terms, { runDate: '2026-03-15' })), '2026-03-15..2026-03-31', 'first period prorated')
  t.equal(r(dueRange(terms, { runDate: '2026-04-01' })), '2026-03-15..2026-04-30', 'invoiced a cycle late')
  t.same(
    duePieces(terms, { runDate: '2026-04-01' }).map((p) => [r(p), p.full]),
    [
      ['2026-03-15..2026-03-31', false],
      ['2026-04-01..2026-04-30', true],
    ],
  )
  t.equal(
    r(dueRange(terms, { runDate: '2026-04-01', billedThrough: '2026-03-31' })),
    '2026-04-01..2026-04-30',
  )
  t.equal(dueRange(terms, { runDate: '2026-04-10', billedThrough: '2026-04-30' }), null, 'already paid for')
  t.equal(dueRange(terms, { runDate: '2026-02-01' }), null, 'not started yet')
  const quarterly = { ...terms, periodsAhead: 3 }
  t.equal(
    r(dueRange(quarterly, { runDate: '2026-04-01', billedThrough: '2026-03-31' })),
    '2026-04-01..2026-06-30',
  )
  t.equal(dueRange(quarterly, { runDate: '2026-05-01', billedThrough: '2026-06-30' }), null)
  t.equal(
    r(dueRange(quarterly, { runDate: '2026-07-01', billedThrough: '2026-06-30' })),
    '2026-07-01..2026-09-30',
  )
  t.throws(() => dueRange({ ...terms, periodsAhead: 13 }, { runDate: '2026-04-01' }), ValidationError)
})

t.test('postpaid: the past period; end dates stop billing', async (t) => {
  const terms = { startDate: '2026-03-15', billingDay: 1, mode: 'postpaid' as const }
  t.equal(dueRange(terms, { runDate: '2026-03-20' }), null, 'nothing has passed yet')
  t.equal(r(dueRange(terms, { runDate: '2026-04-01' })), '2026-03-15..2026-03-31')
  t.equal(r(dueRange(terms, { runDate: '2026-05-01' })), '2026-03-15..2026-04-30', 'late: catch-up')
  t.equal(
    r(dueRange(terms, { runDate: '2026-05-01', billedThrough: '2026-03-31' })),
    '2026-04-01..2026-04-30',
  )
  t.equal(dueRange(terms, { runDate: '2026-05-01', billedThrough: '2026-04-30' }), null, 'never twice')
  const ended = { ...terms, endDate: '2026-04-10' }
  t.equal(
    r(dueRange(ended, { runDate: '2026-05-01', billedThrough: '2026-03-31' })),
    '2026-04-01..2026-04-10',
  )
  t.equal(dueRange(ended, { runDate: '2026-06-01', billedThrough: '2026-04-10' }), null)
  const prepaidEnded = { ...ended, mode: 'prepaid' as const }
  t.equal(
    r(dueRange(prepaidEnded, { runDate: '2026-04-01', billedThrough: '2026-03-31' })),
    '2026-04-01..2026-04-10',
  )
  const day15 = { startDate: '2026-01-20', billingDay: 15, mode: 'postpaid' as const }
  t.equal(r(dueRange(day15, { runDate: '2026-03-15' })), '2026-01-20..2026-03-14')
  t.same(
    duePieces(day15, { runDate: '2026-03-15' }).map((p) => [r(p), p.periodDays, p.full]),
    [
      ['2026-01-20..2026-02-14', 31, false],
      ['2026-02-15..2026-03-14', 28, true],
    ],
  )
})

t.test('a billing day change bills the short bridge period, then whole ones', async (t) => {
  // Billed through 31 Mar on billing day 1; the customer moves to billing day 15.
  const terms = { startDate: '2026-01-01', billingDay: 15, mode: 'prepaid' as const }
  t.same(
    duePieces(terms, { runDate: '2026-04-15', billedThrough: '2026-03-31' }).map((p) => [
      r(p),
      p.offset,
      p.periodDays,
      p.full,
    ]),
    [
      ['2026-04-01..2026-04-14', 17, 31, false],
      ['2026-04-15..2026-05-14', 0, 30, true],
    ],
  )
})
