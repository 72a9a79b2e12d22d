import t from 'tap'
import {
  collectionDates,
  lateFee,
  prepaidDaysLeft,
  reminderDates,
} from '../../../../core/finance/collections/dates.ts'
import { ValidationError } from '../../../../core/kernel/errors.ts'

const str = (ds: { toString(): string }[]) => ds.map(String)

t.test('due, blocking and deactivation dates', async (t) => {
  const d = collectionDates('2026-11-01')
  t.same(
    str([d.due, d.blocking, d.deactivation]),
    ['2026-11-16', '2026-11-16', '2026-11-26'],
    'Splynx defaults: 15, 0, 10',
  )
  const shifted = collectionDates(
    '2026-11-06',
    { dueDays: 15, blockingPeriodDays: 0, shiftToWorkday: true },
    { holidays: ['2026-11-23'] },
  )
  t.equal(shifted.due.toString(), '2026-11-21', 'the due date itself does not move')
  t.equal(shifted.blocking.toString(), '2026-11-24', 'Saturday -> Monday is a holiday -> Tuesday')
  t.equal(shifted.deactivation.toString(), '2026-12-04', '10 days after the real blocking day, a Friday')
  t.throws(() => collectionDates('2026-11-01', { dueDays: -1 }), ValidationError)
})

t.test('three reminders: offsets that add up, or fixed days of the month', async (t) => {
  t.same(str(reminderDates('2026-01-10', { mode: 'offsets', days: [9, 5, 5] })), [
    '2026-01-19',
    '2026-01-24',
    '2026-01-29',
  ])
  t.same(str(reminderDates('2026-01-04', { mode: 'month_days', days: [3, 5, 7] })), [
    '2026-02-03',
    '2026-02-05',
    '2026-02-07',
  ])
  t.same(str(reminderDates('2026-01-04', { mode: 'month_days', days: [5, 3, 7] })), [
    '2026-01-05',
    '2026-02-03',
    '2026-02-07',
  ])
  t.throws(() => reminderDates('2026-01-04', { mode: 'month_days', days: [31] }), /1 to 28/)
  t.throws(() => reminderDates('2026-01-04', { mode: 'offsets', days: [1, 1, 1, 1] }), /at most three/)
})

t.test('late fees: fixed, or percent per day past the due date', async (t) => {
  const fixed = { kind: 'fixed' as const, amount: '5' }
  t.equal(
    lateFee('100', '2026-03-15', '2026-03-15', fixed, 'EUR').toFixed(),
    '0',
    'not yet late on the due date',
  )
  t.equal(lateFee('100', '2026-03-15', '2026-03-16', fixed, 'EUR').toFixed(), '5')
  const daily = { kind: 'percent_per_day' as const, percent: '0.1' }
  t.equal(
    lateFee('123.45', '2026-03-15', '2026-03-25', daily, 'EUR').toFixed(),
    '1.23',
    '10 days × 0.1 % of 123.45 = 1.2345',
  )
  t.equal(
    lateFee('1000', '2026-03-15', '2026-06-15', { ...daily, max: '50' }, 'EUR').toFixed(),
    '50',
    'capped',
  )
  t.equal(lateFee('0', '2026-03-15', '2026-06-15', fixed, 'EUR').toFixed(), '0', 'nothing owed, no fee')
})

t.test('prepaid daily: days a balance lasts', async (t) => {
  // 31 a month in March is 1.00 a day.
  const left = prepaidDaysLeft('10.50', '31', '2026-03-01', 'EUR')
  t.equal(left.days, 10)
  t.equal(left.paidThrough?.toString(), '2026-03-10')
  t.equal(prepaidDaysLeft('10.50', '31', '2026-03-01', 'EUR', { minimumBalance: '2' }).days, 8)
  t.same(prepaidDaysLeft('0.50', '31', '2026-03-01', 'EUR'), { days: 0, paidThrough: null })
  // A whole month's price pays exactly that month, whatever its length.
  t.equal(prepaidDaysLeft('10.05', '10.05', '2026-02-01', 'EUR').paidThrough?.toString(), '2026-02-28')
})
