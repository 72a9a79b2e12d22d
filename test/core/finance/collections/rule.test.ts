import t from 'tap'
import type { CollectionCase } from '../../../../core/finance/collections/cases.ts'
import { decide } from '../../../../core/finance/collections/rule.ts'

const base: CollectionCase = {
  customerId: 1,
  partnerId: 1,
  login: 'a',
  name: 'A',
  status: 'active',
  billingType: 'recurring_postpaid',
  blockingPeriodDays: 0,
  deactivationPeriodDays: 10,
  minimumBalance: '0',
  doNotBlockUntil: null,
  unpaid: '100.0000',
  oldestDue: '2026-01-16',
  overdueInvoices: 1,
  balance: '-100.0000',
  blockedOn: null,
}
const at = (over: Partial<CollectionCase>, today: string) => decide({ ...base, ...over }, today)

t.test('postpaid blocking day, period and next step', async (t) => {
  t.match(at({}, '2026-01-17'), { action: 'block', reason: 'overdue', daysOverdue: 1 })
  t.match(at({ blockingPeriodDays: 3 }, '2026-01-19'), { action: null, next: { action: 'block', on: '2026-01-20' } })
  t.match(at({ blockingPeriodDays: 3 }, '2026-01-20'), { action: 'block' })
})

t.test('the debt is what the ledger says is owed, at most the overdue invoices', async (t) => {
  t.equal(at({ balance: '-30.0000' }, '2026-01-17').debt.toFixed(2), '30.00', 'an unallocated payment counts')
  t.match(at({ balance: '5.0000' }, '2026-01-17'), { action: null })
  t.equal(at({ balance: '-250.0000' }, '2026-01-17').debt.toFixed(2), '100.00', 'invoices not due yet do not count')
})

t.test('minimum balance: blocked only above it', async (t) => {
  t.match(at({ minimumBalance: '100' }, '2026-01-20'), { action: null })
  t.match(at({ minimumBalance: '99.99' }, '2026-01-20'), { action: 'block' })
})

t.test('promise to pay moves the blocking day and lifts a block', async (t) => {
  t.match(at({ doNotBlockUntil: '2026-01-25' }, '2026-01-25'), { action: null, next: { action: 'block', on: '2026-01-26' } })
  t.match(at({ doNotBlockUntil: '2026-01-25' }, '2026-01-26'), { action: 'block' })
  t.match(at({ status: 'blocked', blockedOn: '2026-01-17', doNotBlockUntil: '2026-01-25' }, '2026-01-20'), { action: 'unblock', reason: 'promise_to_pay' })
  t.match(at({ doNotBlockUntil: '2026-01-10' }, '2026-01-17'), { action: 'block' }, 'an old promise does not matter')
})

t.test('deactivation after the grace period counted from the block; unblock when cleared', async (t) => {
  const blocked = { status: 'blocked' as const, blockedOn: '2026-01-17' }
  t.match(at(blocked, '2026-01-26'), { action: null, next: { action: 'deactivate', on: '2026-01-27' } })
  t.match(at(blocked, '2026-01-27'), { action: 'deactivate', reason: 'grace_period_ended' })
  t.match(at({ ...blocked, balance: '0.0000' }, '2026-01-20'), { action: 'unblock', reason: 'debt_cleared' })
  t.match(at({ status: 'blocked', blockedOn: null, balance: '0' }, '2026-01-20'), { action: null }, 'a block by hand stays')
  t.match(at({ status: 'inactive' }, '2026-03-01'), { action: null })
  t.match(at({ status: 'new' }, '2026-03-01'), { action: null })
})

t.test('prepaid from balance: blocked below the minimum balance', async (t) => {
  const prepaid = { billingType: 'prepaid_daily' as const, unpaid: '0', oldestDue: null }
  t.match(at({ ...prepaid, balance: '0.0000' }, '2026-01-05'), { action: null })
  t.match(at({ ...prepaid, balance: '-0.0100' }, '2026-01-05'), { action: 'block', reason: 'low_balance' })
  t.match(at({ ...prepaid, balance: '3.0000', minimumBalance: '5' }, '2026-01-05'), { action: 'block' })
})
