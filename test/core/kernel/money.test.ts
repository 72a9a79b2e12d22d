import t from 'tap'
import {
  Decimal,
  add,
  allocate,
  compare,
  dec,
  div,
  formatMoney,
  formatNumber,
  fromPg,
  invoiceTax,
  isRounded,
  lineTotal,
  max,
  min,
  minorUnits,
  mul,
  parseLocalized,
  round,
  roundTo,
  sub,
  sum,
  taxFromGross,
  taxFromNet,
  toFixed,
  toPg,
} from '../../../core/kernel/money.ts'

const s = (d: Decimal) => d.toFixed()

t.test('parses plain decimal strings and refuses everything else', async (t) => {
  t.equal(s(dec('12')), '12')
  t.equal(s(dec(' -0.50 ')), '-0.5')
  t.equal(s(dec('199.990000')), '199.99')
  t.equal(s(dec('.5')), '0.5')
  for (const bad of ['', 'abc', '1e5', 'NaN', 'Infinity', '1,5', '0x10', '1 000', '--1', '1.2.3']) {
    t.throws(() => dec(bad), RangeError, `refuses "${bad}"`)
  }
  // @ts-expect-error JS numbers are refused by the type ...
  t.throws(() => dec(0.1), TypeError, '... and at run time')
  t.throws(() => dec(new Decimal(Number.NaN)), RangeError)
})

t.test('arithmetic is exact where floating point is not', async (t) => {
  t.equal(s(add('0.1', '0.2')), '0.3')
  t.equal(s(sub('1', '0.9')), '0.1')
  t.equal(s(mul('19.99', '3')), '59.97')
  t.equal(s(roundTo(div('200', '31'), 6)), '6.451613')
  t.throws(() => div('1', '0'), RangeError)
  t.equal(s(sum(['0.1', '0.2', dec('0.3')])), '0.6')
  t.equal(s(sum([])), '0')
  t.equal(compare('2.10', '2.1'), 0)
  t.equal(compare('-1', '0'), -1)
  t.equal(s(min('3', '2.5')), '2.5')
  t.equal(s(max('3', '2.5')), '3')
  // Decimals from the default decimal.js constructor (20 digits) are brought to our precision.
  const foreign = new (Decimal.clone({ precision: 5 }))('1')
  t.equal(div(foreign, '3').toFixed().length, 42, '40 significant digits after "0."')
})

t.test('rounds half away from zero to the currency minor unit', async (t) => {
  t.equal(minorUnits('EUR'), 2)
  t.equal(minorUnits('JPY'), 0)
  t.equal(minorUnits('KWD'), 3)
  t.throws(() => minorUnits('XYZ'), RangeError)
  t.equal(s(round('0.125', 'EUR')), '0.13')
  t.equal(s(round('-0.125', 'EUR')), '-0.13')
  t.equal(s(round('0.124999', 'USD')), '0.12')
  t.equal(s(round('2.5', 'JPY')), '3')
  t.equal(s(round('1.0005', 'BHD')), '1.001')
  t.equal(round('-0.001', 'EUR').isNegative(), false, 'no negative zero')
  t.equal(toFixed('5', 'EUR'), '5.00')
  t.equal(toFixed('5', 'KWD'), '5.000')
  t.equal(toFixed('1234.5', 'JPY'), '1235')
  t.ok(isRounded('1.20', 'EUR'))
  t.notOk(isRounded('1.201', 'EUR'))
  // The worked example of DESIGN.md section 5.
  t.equal(toFixed(mul(div('200', '31'), '19'), 'EUR'), '122.58')
})

t.test('formats per language without Intl', async (t) => {
  t.equal(formatMoney('1234.5', 'USD', 'en'), '$1,234.50')
  t.equal(formatMoney('-5', 'EUR', 'en'), '-€5.00')
  t.equal(formatMoney('1234567.891', 'KWD', 'en'), 'KWD\u00a01,234,567.891')
  t.equal(formatMoney('1234.5', 'EUR', 'es'), '1234,50\u00a0€', 'es does not group four digits')
  t.equal(formatMoney('12345.5', 'EUR', 'es'), '12.345,50\u00a0€')
  t.equal(formatMoney('1234.5', 'PLN', 'pl'), '1234,50\u00a0zł')
  t.equal(formatMoney('12345.5', 'PLN', 'pl'), '12\u00a0345,50\u00a0zł')
  t.equal(formatMoney('1234.5', 'UAH', 'uk'), '1\u00a0234,50\u00a0₴')
  t.equal(formatMoney('-0.004', 'EUR', 'uk'), '0,00\u00a0€', 'rounds to zero without a minus')
  t.equal(formatMoney('1500', 'JPY', 'en'), '¥1,500')
  t.equal(formatMoney('10', 'EUR', 'xx'), '€10.00', 'unknown languages fall back to en')
  t.equal(formatNumber('1234567.125', 'en', 2), '1,234,567.13')
  t.equal(formatNumber('999', 'uk', 0), '999')
})

t.test('reads amounts typed in each language', async (t) => {
  t.equal(parseLocalized('1,234.50', 'en')?.toFixed(), '1234.5')
  t.equal(parseLocalized('1234.50', 'en')?.toFixed(), '1234.5')
  t.equal(parseLocalized('1.234,50', 'es')?.toFixed(), '1234.5')
  t.equal(parseLocalized('12,5', 'pl')?.toFixed(), '12.5')
  t.equal(parseLocalized('12.5', 'pl')?.toFixed(), '12.5', 'a lone dot is a decimal point')
  t.equal(parseLocalized('1 234,50', 'uk')?.toFixed(), '1234.5')
  t.equal(parseLocalized('1\u00a0234,50', 'uk')?.toFixed(), '1234.5')
  t.equal(parseLocalized('-7', 'en')?.toFixed(), '-7')
  for (const bad of ['', 'abc', '1,23.4', '12,34,5', '1,2,3', '1e3', '5,']) {
    t.equal(parseLocalized(bad, bad === '1,2,3' ? 'es' : 'en'), null, `refuses "${bad}"`)
  }
})

t.test('allocates without losing a cent (largest remainder)', async (t) => {
  t.same(allocate('100', 3, 'EUR').map(s), ['33.34', '33.33', '33.33'])
  t.same(allocate('-100', 3, 'EUR').map(s), ['-33.34', '-33.33', '-33.33'])
  t.same(allocate('0.05', 3, 'EUR').map(s), ['0.02', '0.02', '0.01'])
  t.same(allocate('10', ['1', '2', '3'], 'JPY').map(s), ['2', '3', '5'])
  t.same(allocate('200', ['19', '12'], 'EUR').map(s), ['122.58', '77.42'])
  t.same(allocate('1', ['0', '1'], 'KWD').map(s), ['0', '1'])
  t.throws(() => allocate('1.005', 2, 'EUR'), RangeError, 'amount must already be money')
  t.throws(() => allocate('1', 0, 'EUR'), RangeError)
  t.throws(() => allocate('1', ['0', '0'], 'EUR'), RangeError)
  t.throws(() => allocate('1', ['-1', '2'], 'EUR'), RangeError)
  // Random totals and weights always add up.
  let seed = 42
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  for (let i = 0; i < 300; i++) {
    const total = (Math.floor(rnd() * 10_000_000) / 100).toFixed(2)
    const weights = Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => String(Math.floor(rnd() * 40)))
    if (weights.every((w) => Number(w) === 0)) weights.push('1')
    const parts = allocate(total, weights, 'EUR')
    if (!sum(parts).eq(dec(total))) t.fail(`allocate(${total}, ${weights}) sums to ${sum(parts)}`)
  }
  t.pass('300 random allocations sum exactly')
})

t.test('tax from net and from gross', async (t) => {
  const a = taxFromNet('100', '23', 'PLN')
  t.same([s(a.net), s(a.tax), s(a.gross)], ['100', '23', '123'])
  const b = taxFromGross('123', '23', 'PLN')
  t.same([s(b.net), s(b.tax), s(b.gross)], ['100', '23', '123'])
  const c = taxFromGross('10', '21', 'EUR')
  t.same([s(c.net), s(c.tax)], ['8.26', '1.74'], '10 × 21/121 = 1.7355 -> 1.74')
  const d = taxFromNet('0.99', '7.5', 'USD')
  t.equal(s(d.tax), '0.07', '0.07425 -> 0.07')
  t.equal(s(taxFromNet('10', '0', 'EUR').tax), '0')
})

t.test('tax per invoice per rate: sum nets, then tax once', async (t) => {
  const lines = Array.from({ length: 10 }, () => ({
    amount: '0.99',
    ratePercent: '23',
    included: false,
    key: 1,
  }))
  const inv = invoiceTax(lines, 'PLN')
  t.equal(s(inv.tax), '2.28', '9.90 × 23 % = 2.277, not 10 × 0.23')
  t.equal(s(inv.gross), '12.18')
  t.equal(inv.groups.length, 1)
  t.equal(inv.groups[0]!.lines, 10)

  const mixed = invoiceTax(
    [
      { amount: '100', ratePercent: '23', included: false, key: 'vat23' },
      { amount: '50.50', ratePercent: '8', included: false, key: 'vat8' },
      { amount: '20.01', ratePercent: '23', included: false, key: 'vat23' },
      { amount: '12.30', ratePercent: '23', included: true, key: 'vat23incl' },
    ],
    'PLN',
  )
  t.same(
    mixed.groups.map((g) => [g.key, s(g.net), s(g.tax), s(g.gross)]),
    [
      ['vat23', '120.01', '27.6', '147.61'],
      ['vat8', '50.5', '4.04', '54.54'],
      ['vat23incl', '10', '2.3', '12.3'],
    ],
  )
  t.equal(s(mixed.net), '180.51')
  t.equal(s(mixed.tax), '33.94')
  t.equal(s(mixed.gross), '214.45')
  t.ok(mixed.gross.eq(mixed.net.plus(mixed.tax)))

  const noKey = invoiceTax(
    [
      { amount: '1', ratePercent: '20', included: false },
      { amount: '1', ratePercent: '20.00', included: false },
      { amount: '1', ratePercent: '20', included: true },
    ],
    'EUR',
  )
  t.equal(noKey.groups.length, 2, 'without keys, lines group by rate and inclusion')
  t.throws(
    () =>
      invoiceTax(
        [
          { amount: '1', ratePercent: '20', included: false, key: 1 },
          { amount: '1', ratePercent: '10', included: false, key: 1 },
        ],
        'EUR',
      ),
    /different percentages/,
  )
  t.throws(() => invoiceTax([{ amount: '1.001', ratePercent: '20', included: false }], 'EUR'), /not rounded/)
  t.equal(s(invoiceTax([], 'EUR').gross), '0')
})

t.test('PostgreSQL numeric strings', async (t) => {
  t.equal(toPg(div('1', '10000000')), '0.0000001', 'never exponent notation')
  t.equal(toPg('123456789012345678901234567890.5'), '123456789012345678901234567890.5')
  t.equal(s(fromPg('199.9900')), '199.99')
  t.throws(() => fromPg('NaN'), RangeError)
  t.throws(() => fromPg('-Infinity'), RangeError)
})

t.test('invoice lines round once, after quantity × unit price', async (t) => {
  t.equal(lineTotal('3', '0.3333', 'EUR').toFixed(), '1', '0.9999 -> 1.00, not 3 × 0.33')
  t.equal(lineTotal('1.5', '19.99', 'EUR').toFixed(), '29.99', '29.985 -> 29.99')
  t.equal(lineTotal('7', '0.012345', 'KWD').toFixed(), '0.086')
})
