import t from 'tap'
import { Temporal } from 'temporal-polyfill'
import { ManualClock } from '../../../core/kernel/clock.ts'
import {
  addMonths,
  compareDates,
  daysInMonth,
  daysInclusive,
  eachDay,
  formatDate,
  formatDateFor,
  isIsoDate,
  maxDate,
  minDate,
  nextWorkday,
  parseDate,
  today,
} from '../../../core/kernel/dates.ts'
import { ValidationError } from '../../../core/kernel/errors.ts'

t.test('parses ISO dates strictly and names the field', async (t) => {
  t.equal(parseDate('2026-02-28').toString(), '2026-02-28')
  t.equal(parseDate('2028-02-29').toString(), '2028-02-29', 'leap day')
  for (const bad of [
    '2026-02-30',
    '2026-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-2-3',
    '2026-02-03T00:00',
    '',
    'tomorrow',
  ]) {
    t.notOk(isIsoDate(bad), `refuses "${bad}"`)
  }
  try {
    parseDate('2026-02-30', 'startDate')
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof ValidationError)
    t.equal((err as ValidationError).fields[0]!.field, 'startDate')
    t.match((err as ValidationError).message, /2026-02-30/)
  }
  t.equal(formatDate(Temporal.PlainDate.from('2026-03-05')), '2026-03-05')
  t.equal(formatDateFor('2026-03-05', 'en'), '05/03/2026')
  t.equal(formatDateFor('2026-03-05', 'pl'), '05.03.2026')
  t.equal(formatDateFor('2026-03-05', 'uk'), '05.03.2026')
})

t.test('month arithmetic', async (t) => {
  t.equal(daysInMonth(2026, 2), 28)
  t.equal(daysInMonth(2028, 2), 29)
  t.equal(daysInMonth(2026, 4), 30)
  t.equal(daysInMonth(2026, 12), 31)
  t.equal(addMonths('2026-01-31', 1).toString(), '2026-02-28', 'clamps to the last day')
  t.equal(addMonths('2028-01-31', 1).toString(), '2028-02-29')
  t.equal(addMonths('2026-03-31', -1).toString(), '2026-02-28')
  t.equal(addMonths('2026-11-15', 3).toString(), '2027-02-15')
})

t.test('day counts, ranges, comparisons', async (t) => {
  t.equal(daysInclusive('2026-03-01', '2026-03-01'), 1)
  t.equal(daysInclusive('2026-03-01', '2026-03-31'), 31)
  t.equal(daysInclusive('2026-03-15', '2026-04-30'), 47)
  t.equal(daysInclusive('2026-12-31', '2027-01-01'), 2)
  t.equal(daysInclusive('2026-03-02', '2026-03-01'), 0)
  t.same([...eachDay('2026-02-27', '2026-03-02')].map(String), [
    '2026-02-27',
    '2026-02-28',
    '2026-03-01',
    '2026-03-02',
  ])
  t.same([...eachDay('2026-03-02', '2026-03-01')], [])
  t.equal(compareDates('2026-01-01', '2025-12-31'), 1)
  t.equal(minDate('2026-01-01', '2025-12-31').toString(), '2025-12-31')
  t.equal(maxDate('2026-01-01', '2025-12-31').toString(), '2026-01-01')
})

t.test('today comes from the clock, in the ISP time zone or another', async (t) => {
  const clock = new ManualClock('2026-03-31T23:30:00Z', 'Europe/Kyiv')
  t.equal(today(clock).toString(), '2026-04-01', 'already April in Kyiv')
  t.equal(today(clock, 'UTC').toString(), '2026-03-31')
  t.equal(today(clock, 'America/Lima').toString(), '2026-03-31')
  clock.advanceDays(1)
  t.equal(today(clock).toString(), '2026-04-02')
})

t.test('blocking dates move off weekends and holidays', async (t) => {
  t.equal(nextWorkday('2026-11-25').toString(), '2026-11-25', 'a Wednesday stays')
  t.equal(nextWorkday('2026-11-28').toString(), '2026-11-30', 'Saturday -> Monday')
  t.equal(nextWorkday('2026-11-29').toString(), '2026-11-30', 'Sunday -> Monday')
  t.equal(nextWorkday('2026-12-24', { holidays: ['2026-12-24', '2026-12-25'] }).toString(), '2026-12-28')
  t.equal(nextWorkday('2026-11-27', { weekend: [5, 6] }).toString(), '2026-11-29', 'Friday-Saturday weekend')
  t.throws(() => nextWorkday('2026-11-27', { weekend: [1, 2, 3, 4, 5, 6, 7] }), RangeError)
})
