import type { Db } from '../../../db/client.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { financeSettings } from '../settings.ts'
import { loadCases } from './cases.ts'
import { chargeLateFees } from './late-fees.ts'
import { sendLowBalanceWarnings } from './low-balance.ts'
import { markOverdue } from './overdue.ts'
import { sendReminders } from './reminders.ts'
import { reviewCustomer, type CollectionDeps } from './review.ts'
import { decide } from './rule.ts'

export interface CollectionsResult {
  today: string
  overdue: number
  blocked: number
  unblocked: number
  deactivated: number
  lateFees: number
  reminders: number
  lowBalance: number
}

/**
 * The daily collections pass for `today`: overdue invoices, then blocking, unblocking and
 * deactivation, late fees, reminders and prepaid warnings. Every step is idempotent, so running it
 * twice a day (or again after a crash) changes nothing more. Candidates are found set-based; only
 * customers whose status must change get a transaction of their own (reviewCustomer re-checks them
 * under a row lock).
 */
export async function runCollections(
  db: Db,
  deps: CollectionDeps,
  today: string,
  progress?: (percent: number, message: string) => Promise<void>,
): Promise<CollectionsResult> {
  const settings = deps.finance ?? (await financeSettings(db))
  const { currency } = await coreSettings(db)
  const result: CollectionsResult = { today, overdue: 0, blocked: 0, unblocked: 0, deactivated: 0, lateFees: 0, reminders: 0, lowBalance: 0 }

  result.overdue = await markOverdue(db, today)
  await progress?.(10, `${result.overdue} invoices overdue`)

  const cases = await loadCases(db, today, settings, { candidatesOnly: true })
  const changing = cases.filter((c) => decide(c, today).action !== null)
  for (const [i, c] of changing.entries()) {
    const decision = await db.transaction((tx) => reviewCustomer(tx, { clock: deps.clock, emit: deps.emit, finance: settings }, c.customerId, today))
    if (decision?.action === 'block') result.blocked++
    else if (decision?.action === 'unblock') result.unblocked++
    else if (decision?.action === 'deactivate') result.deactivated++
    if (progress && i % 500 === 499) await progress(10 + Math.round((60 * i) / changing.length), `${i + 1} of ${changing.length} customers`)
  }
  await progress?.(70, `${result.blocked} blocked, ${result.unblocked} unblocked, ${result.deactivated} deactivated`)

  result.lateFees = await db.transaction((tx) => chargeLateFees(tx, settings, today, currency))
  result.reminders = await db.transaction((tx) => sendReminders(tx, settings, today))
  result.lowBalance = await db.transaction((tx) => sendLowBalanceWarnings(tx, settings, today, currency))
  await progress?.(100, `${result.lateFees} late fees, ${result.reminders} reminders, ${result.lowBalance} low-balance warnings`)
  return result
}
