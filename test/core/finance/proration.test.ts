import t from 'tap'
import { ValidationError } from '../../../core/kernel/errors.ts'
import { periodContaining, splitByPeriods } from '../../../core/finance/periods.ts'
import { changeKind, chargePiece, dailyCharge, planChange, prorate } from '../../../core/finance/proration.ts'
import { sum } from '../../../core/kernel/money.ts'

const s = (d: { toFixed(): string }) => d.toFixed()

t.test('the worked examples hold exactly', async (t) => {
  t.equal(s(prorate('200', 0, 19, 31, 'EUR')), '122.58', '200/31*19')
  const march = periodContaining('2026-03-10', 1)
  const c = planChange({
    period: march,
    changeDate: '2026-03-20',
    oldAmount: '200',
    newAmount: '100',
    fee: '30',
    currency: 'EUR',
  })
  t.equal(c.usedDays, 19)
  t.equal(c.remainingDays, 12)
  t.equal(s(c.used), '122.58')
  t.equal(s(c.unused), '77.42')
  t.equal(s(c.credit), '47.42', '200 - 122.58 - 30')
  t.equal(s(c.feeToCharge), '0')
  t.equal(s(c.newCharge), '38.71', '100/31*12')
  t.equal(changeKind('200', '100'), 'downgrade')
  t.equal(changeKind('100', '200.01'), 'upgrade')
  t.equal(changeKind('100', '100.00'), 'same')
})

t.test('plan change variants', async (t) => {
  const march = periodContaining('2026-03-10', 1)
  const noRefund = planChange({
    period: march,
    changeDate: '2026-03-20',
    oldAmount: '200',
    newAmount: '100',
    fee: '30',
    refundUnused: false,
    currency: 'EUR',
  })
  t.equal(s(noRefund.credit), '0')
  t.equal(s(noRefund.feeToCharge), '30')
  const bigFee = planChange({
    period: march,
    changeDate: '2026-03-30',
    oldAmount: '200',
    newAmount: '300',
    fee: '30',
    currency: 'EUR',
  })
  t.equal(s(bigFee.unused), '12.9', '2 days of 200')
  t.equal(s(bigFee.credit), '0')
  t.equal(s(bigFee.feeToCharge), '17.1', 'the fee the credit did not cover')
  const partialFirst = planChange({
    period: march,
    billedFrom: '2026-03-13',
    changeDate: '2026-03-20',
    oldAmount: '200',
    newAmount: '100',
    currency: 'EUR',
  })
  t.equal(partialFirst.usedDays, 7)
  t.equal(
    s(partialFirst.used.plus(partialFirst.unused)),
    s(prorate('200', 12, 19, 31, 'EUR')),
    'used + unused = billed',
  )
  const onFirstDay = planChange({
    period: march,
    changeDate: '2026-03-01',
    oldAmount: '200',
    newAmount: '100',
    currency: 'EUR',
  })
  t.same([s(onFirstDay.used), s(onFirstDay.unused), s(onFirstDay.newCharge)], ['0', '200', '100'])
  t.throws(
    () =>
      planChange({
        period: march,
        changeDate: '2026-04-05',
        oldAmount: '1',
        newAmount: '1',
        currency: 'EUR',
      }),
    ValidationError,
  )
})

t.test('charge lines: quantity, custom price, discount by day range, rounding per line', async (t) => {
  const [first, full] = splitByPeriods('2026-03-13', '2026-04-30', 1) as [never, never]
  const a = chargePiece(first, { price: '200', currency: 'EUR' })
  t.same([s(a.base), s(a.discount), s(a.amount), a.days, a.full], ['122.58', '0', '122.58', 19, false])
  const b = chargePiece(full, { price: '19.9999', quantity: '3', currency: 'EUR' })
  t.equal(s(b.amount), '60', 'full period: round(price × quantity) = 59.9997 -> 60.00')
  const c = chargePiece(full, {
    price: '100',
    currency: 'EUR',
    discount: { percent: '20', start: '2026-04-16', end: null },
  })
  t.equal(c.discountDays, 15)
  t.same([s(c.base), s(c.discount), s(c.amount)], ['100', '10', '90'], '20 % on half of April')
  const d = chargePiece(full, {
    price: '100',
    currency: 'EUR',
    discount: { percent: '50', end: '2026-03-31' },
  })
  t.same([d.discountDays, s(d.discount), s(d.amount)], [0, '0', '100'], 'an expired discount does nothing')
  const e = chargePiece(first, { price: '200', currency: 'EUR', prorate: false })
  t.same([s(e.amount), e.full], ['200', true], 'proration off: a partial period costs the whole month')
  const jpy = chargePiece(first, { price: '3000', currency: 'JPY' })
  t.equal(s(jpy.amount), '1839', '3000/31*19 = 1838.7 -> 1839 yen')
  t.throws(() => chargePiece(full, { price: '-1', currency: 'EUR' }), /price: must not be negative/)
  t.throws(() => chargePiece(full, { price: '1', quantity: '0', currency: 'EUR' }), /quantity/)
  t.throws(
    () => chargePiece(full, { price: '1', discount: { percent: '101' }, currency: 'EUR' }),
    /discount.percent: must be 0 to 100/,
  )
})

t.test('prepaid daily sums to the monthly price over a month', async (t) => {
  const days = Array.from({ length: 28 }, (_, i) =>
    dailyCharge('10.05', `2026-02-${String(i + 1).padStart(2, '0')}`, 'EUR'),
  )
  t.equal(s(sum(days)), '10.05')
  t.equal(s(dailyCharge('31', '2026-03-05', 'EUR')), '1')
})
