import t from 'tap'
import { ValidationError } from '../../../core/kernel/errors.ts'
import { DEFAULT_PATTERNS, counterKey, formatNumber, parsePattern } from '../../../core/finance/numbering.ts'

function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ValidationError) return `${err.fields[0]!.field}: ${err.fields[0]!.message}`
    throw err
  }
  return 'no error'
}

t.test('formats Splynx-style patterns with zero-padded widths', async (t) => {
  const inv = parsePattern(DEFAULT_PATTERNS.invoice)
  t.equal(formatNumber(inv, { date: '2026-03-05', partnerId: 1 }, 42), '202601000042')
  t.equal(formatNumber(parsePattern(DEFAULT_PATTERNS.proforma), { date: '2026-03-05' }, 7), '2026000007')
  t.equal(
    formatNumber(parsePattern(DEFAULT_PATTERNS.receipt), { date: '2026-03-05', type: 3 }, 12),
    '2026-03-00012',
  )
  const all = parsePattern('INV/{year|2}/{month}/{day}-{customer_id|5}-{next}')
  t.equal(formatNumber(all, { date: '2027-01-09', customerId: 321 }, 1234567), 'INV/27/01/09-00321-1234567')
  t.equal(
    formatNumber(inv, { date: '2026-03-05', partnerId: 123 }, 1),
    '2026123000001',
    'a width is a minimum',
  )
  t.equal(
    formatNumber(inv, { date: '2026-03-05', partnerId: 1 }, 10_000_000),
    '20260110000000',
    'next outgrows its width',
  )
  t.throws(() => formatNumber(inv, { date: '2026-03-05', partnerId: 1 }, 0), RangeError)
  t.match(
    errorOf(() => formatNumber(inv, { date: '2026-03-05' }, 1)),
    /^partner_id: the pattern uses \{partner_id\}/,
  )
})

t.test('invalid patterns are refused with the bad token named', async (t) => {
  t.equal(
    errorOf(() => parsePattern('{year}{nxt|6}')),
    'pattern: {nxt|6} is not a known variable (use {year}, {month}, {day}, {partner_id}, {customer_id}, {type}, {next})',
  )
  t.equal(
    errorOf(() => parsePattern('{year}{next|6')),
    'pattern: "{next|6" is not closed with "}"',
  )
  t.equal(
    errorOf(() => parsePattern('{year}next|6}')),
    'pattern: unexpected "}" at position 13',
  )
  t.equal(
    errorOf(() => parsePattern('{year}{next|x}')),
    'pattern: {next|x}: the width must be a whole number from 1 to 12',
  )
  t.equal(
    errorOf(() => parsePattern('{year}{next|0}')),
    'pattern: {next|0}: the width must be a whole number from 1 to 12',
  )
  t.equal(
    errorOf(() => parsePattern('{month|3}{next}')),
    'pattern: {month|3}: month is always 2 digits',
  )
  t.equal(
    errorOf(() => parsePattern('{year|3}{next}')),
    'pattern: {year|3}: year is 4 digits, or 2 with {year|2}',
  )
  t.equal(
    errorOf(() => parsePattern('{next|6}{next|2}')),
    'pattern: {next|2} appears more than once',
  )
  t.equal(
    errorOf(() => parsePattern('{year}{month}')),
    'pattern: must contain {next} (the running number), e.g. {year}{next|6}',
  )
  t.equal(
    errorOf(() => parsePattern('')),
    'pattern: must not be empty',
  )
  t.equal(
    errorOf(() => parsePattern('<b>{next}', 'invoicePattern')),
    'invoicePattern: "<b>" may hold only letters, digits, spaces and . _ / # : -',
  )
  t.equal(
    errorOf(() => parsePattern('{{next}}')),
    'pattern: "{{next}" is not closed with "}"',
  )
  t.equal(
    errorOf(() => parsePattern('{next|1|2}')),
    'pattern: {next|1|2} has more than one width',
  )
})

t.test('the counter key holds exactly the variables that restart numbering', async (t) => {
  const inv = parsePattern(DEFAULT_PATTERNS.invoice)
  t.same(inv.resets, ['year', 'partner_id'])
  t.equal(counterKey(inv, { date: '2026-03-05', partnerId: 3 }), 'year=2026;partner_id=3')
  t.equal(
    counterKey(inv, { date: '2026-12-31', partnerId: 3 }),
    'year=2026;partner_id=3',
    'same year, same counter',
  )
  t.equal(counterKey(inv, { date: '2027-01-01', partnerId: 3 }), 'year=2027;partner_id=3', 'restarts yearly')
  t.equal(counterKey(parsePattern('{next|8}'), { date: '2026-03-05', partnerId: 3 }), '', 'never restarts')
  t.equal(counterKey(parsePattern('{year|2}{month}{next}'), { date: '2026-03-05' }), 'year=2026;month=3')
  t.equal(
    counterKey(parsePattern(DEFAULT_PATTERNS.receipt), { date: '2026-03-05', type: 2 }),
    'year=2026;type=2',
  )
})
