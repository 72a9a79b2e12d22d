import { eq } from 'drizzle-orm'
import type { Db } from '../../../db/client.ts'
import { getCustomer } from '../../customers/service.ts'
import { addDays, compareDates, isIsoDate } from '../../kernel/dates.ts'
import { ValidationError } from '../../kernel/errors.ts'
import { auditChange } from '../../partners/audit.ts'
import type { Actor } from '../../partners/scope.ts'
import { customerBilling } from '../schema.ts'
import { reviewCustomer, type CollectionDeps } from './review.ts'
import type { Decision } from './rule.ts'

/** Longest promise to pay an admin may give. */
const MAX_PROMISE_DAYS = 90

/**
 * "Do not block until" (a promise to pay): the customer is not blocked up to and including `until`,
 * and a customer collections blocked is unblocked at once. null withdraws the promise. Audited;
 * the customer is reviewed in the same transaction, so the status follows the new terms at once.
 */
export async function setPromiseToPay(
  db: Db,
  deps: CollectionDeps,
  actor: Actor,
  customerId: number,
  until: string | null,
  today: string,
): Promise<Decision | null> {
  if (until !== null) {
    if (!isIsoDate(until)) throw new ValidationError([{ field: 'doNotBlockUntil', message: 'must be a date (YYYY-MM-DD)' }])
    if (compareDates(until, today) < 0) throw new ValidationError([{ field: 'doNotBlockUntil', message: 'must not be in the past' }])
    if (compareDates(until, addDays(today, MAX_PROMISE_DAYS)) > 0)
      throw new ValidationError([{ field: 'doNotBlockUntil', message: `must be at most ${MAX_PROMISE_DAYS} days ahead` }])
  }
  return db.transaction(async (tx) => {
    await getCustomer(tx, actor, customerId)
    const [before] = await tx
      .select({ doNotBlockUntil: customerBilling.doNotBlockUntil })
      .from(customerBilling)
      .where(eq(customerBilling.customerId, customerId))
    await tx
      .insert(customerBilling)
      .values({ customerId, doNotBlockUntil: until, updatedAt: deps.clock.now() })
      .onConflictDoUpdate({ target: customerBilling.customerId, set: { doNotBlockUntil: until, updatedAt: deps.clock.now() } })
    await auditChange(tx, deps.clock, actor, {
      action: 'customer.promise_to_pay',
      entity: 'customer',
      entityId: customerId,
      before: { doNotBlockUntil: before?.doNotBlockUntil ?? null },
      after: { doNotBlockUntil: until },
    })
    return reviewCustomer(tx, deps, customerId, today)
  })
}
