import { eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { changeCustomerStatus, type CrmDeps } from '../../customers/service.ts'
import { toPg } from '../../kernel/money.ts'
import { systemActor } from '../../partners/scope.ts'
import { financeSettings, type FinanceSettingsValue } from '../settings.ts'
import { loadCases, type CollectionCase } from './cases.ts'
import { decide, type Decision } from './rule.ts'
import { collectionBlocks } from './schema.ts'

export interface CollectionDeps extends CrmDeps {
  /** The finance settings when the caller already has them (a job run); read from the database otherwise. */
  finance?: FinanceSettingsValue
}

const STATUS_OF = { block: 'blocked', unblock: 'active', deactivate: 'inactive' } as const
const EVENT_OF = { block: 'customer.blocked', unblock: 'customer.unblocked', deactivate: 'customer.deactivated' } as const

/**
 * Applies the collections rule to one customer inside the caller's transaction: the customer row is
 * locked first, so the daily job and a payment's handler never act on the same customer at once, and
 * the case is read again under the lock. The status change goes through the customers service
 * (customer.status_changed, audit as the system), and customer.blocked / unblocked / deactivated is
 * emitted in the same transaction. Running it again changes nothing.
 */
export async function reviewCustomer(tx: DbOrTx, deps: CollectionDeps, customerId: number, today: string): Promise<Decision | null> {
  await tx.execute(sql`select id from customers where id = ${customerId} for update`)
  const settings = deps.finance ?? (await financeSettings(tx))
  const [found] = await loadCases(tx, today, settings, { customerId })
  if (!found) return null
  const decision = decide(found, today)
  await applyDecision(tx, deps, found, decision, today)
  return decision
}

async function applyDecision(tx: DbOrTx, deps: CrmDeps, c: CollectionCase, d: Decision, today: string): Promise<void> {
  if (!d.action) {
    // A block lifted or replaced by hand: the record no longer describes the customer.
    if (c.blockedOn && c.status !== 'blocked') await tx.delete(collectionBlocks).where(eq(collectionBlocks.customerId, c.customerId))
    return
  }
  await changeCustomerStatus(tx, deps, systemActor, c.customerId, STATUS_OF[d.action])
  if (d.action === 'block') {
    await tx
      .insert(collectionBlocks)
      .values({ customerId: c.customerId, blockedOn: today, reason: d.reason ?? 'overdue' })
      .onConflictDoUpdate({ target: collectionBlocks.customerId, set: { blockedOn: today, reason: d.reason ?? 'overdue' } })
  } else {
    await tx.delete(collectionBlocks).where(eq(collectionBlocks.customerId, c.customerId))
  }
  await deps.emit(tx, EVENT_OF[d.action], {
    customerId: c.customerId,
    partnerId: c.partnerId,
    reason: d.reason,
    debt: toPg(d.debt),
    date: today,
  })
}
