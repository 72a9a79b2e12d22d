import { addDays, compareDates, daysInclusive, formatDate } from '../../kernel/dates.ts'
import { dec, max, min, ZERO, type Decimal } from '../../kernel/money.ts'
import type { CollectionCase } from './cases.ts'
import { collectionDates } from './dates.ts'

export type CollectionAction = 'block' | 'unblock' | 'deactivate'

export interface Decision {
  /** What to do today; null = nothing. */
  action: CollectionAction | null
  /** Why (the events' `reason`): overdue, low_balance, debt_cleared, promise_to_pay, grace_period_ended. */
  reason: string | null
  /** The overdue debt (postpaid), or what the prepaid balance is short of zero. */
  debt: Decimal
  daysOverdue: number
  /** The next step if nothing is paid, and its day. */
  next: { action: 'block' | 'deactivate'; on: string } | null
}

const PREPAID_FROM_BALANCE = new Set(['prepaid_daily', 'prepaid_monthly'])

const nothing = (debt: Decimal, daysOverdue: number, next: Decision['next'] = null): Decision => ({
  action: null,
  reason: null,
  debt,
  daysOverdue,
  next,
})

/**
 * The collections rule for one customer on one day, as a pure function of the case:
 * - postpaid: the overdue debt is the unpaid part of invoices past due, but never more than the
 *   ledger says is owed (a payment not yet allocated still counts). Above the minimum balance the
 *   customer is blocked from the day after the due date plus the blocking period of the oldest such
 *   invoice; prepaid from balance: blocked once the balance is below the minimum.
 * - "do not block until" (promise to pay) moves the blocking day past its date, and lifts a block.
 * - a customer collections blocked is deactivated after the grace period, counted from the block,
 *   and unblocked as soon as the debt is cleared. Customers blocked by hand, new or inactive ones
 *   are left alone.
 */
export function decide(c: CollectionCase, today: string): Decision {
  const prepaid = PREPAID_FROM_BALANCE.has(c.billingType)
  const balance = dec(c.balance)
  const owed = max(ZERO, balance.neg())
  const debt = prepaid ? owed : min(dec(c.unpaid), owed)
  const debtor = prepaid ? balance.lt(c.minimumBalance) : debt.gt(c.minimumBalance)
  const daysOverdue = c.oldestDue && !prepaid ? Math.max(0, daysInclusive(c.oldestDue, today) - 1) : 0

  let blockOn: string = today
  if (!prepaid && c.oldestDue) {
    const dates = collectionDates(addDays(c.oldestDue, 1), { dueDays: 0, blockingPeriodDays: c.blockingPeriodDays })
    blockOn = formatDate(dates.blocking)
  }
  if (c.doNotBlockUntil && compareDates(c.doNotBlockUntil, blockOn) >= 0) blockOn = formatDate(addDays(c.doNotBlockUntil, 1))
  const mayBlock = compareDates(today, blockOn) >= 0

  if (c.status === 'blocked' && c.blockedOn) {
    if (!debtor) return { action: 'unblock', reason: 'debt_cleared', debt, daysOverdue, next: null }
    if (!mayBlock) return { action: 'unblock', reason: 'promise_to_pay', debt, daysOverdue, next: { action: 'block', on: blockOn } }
    const deactivateOn = formatDate(addDays(c.blockedOn, c.deactivationPeriodDays))
    if (compareDates(today, deactivateOn) >= 0)
      return { action: 'deactivate', reason: 'grace_period_ended', debt, daysOverdue, next: null }
    return nothing(debt, daysOverdue, { action: 'deactivate', on: deactivateOn })
  }
  if (c.status !== 'active' || !debtor) return nothing(debt, daysOverdue)
  if (mayBlock) return { action: 'block', reason: prepaid ? 'low_balance' : 'overdue', debt, daysOverdue, next: null }
  return nothing(debt, daysOverdue, { action: 'block', on: blockOn })
}
