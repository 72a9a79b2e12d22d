import type { DbOrTx } from '../../../db/client.ts'
import { compare, sum, toFixed } from '../../kernel/money.ts'
import { coreSettings } from '../../settings/core-settings.ts'
import { financeSettings } from '../settings.ts'
import { loadCases, type CollectionCase } from './cases.ts'
import { decide } from './rule.ts'

export interface CollectionItem {
  customerId: number
  partnerId: number
  login: string
  name: string
  status: CollectionCase['status']
  billingType: CollectionCase['billingType']
  debt: string
  balance: string
  overdueInvoices: number
  oldestDue: string | null
  daysOverdue: number
  doNotBlockUntil: string | null
  blockedOn: string | null
  /** What the daily job does next if nothing is paid: block, deactivate, or (due today) its action now. */
  nextAction: 'block' | 'deactivate' | 'unblock' | null
  nextDate: string | null
}

export interface CollectionList {
  items: CollectionItem[]
  total: number
  totalDebt: string
}

/** Customers who owe overdue money or are blocked by collections, the largest debt first. */
export async function listCollections(
  db: DbOrTx,
  today: string,
  options: { partnerIds: number[] | null; partnerId?: number; limit: number; offset: number },
): Promise<CollectionList> {
  const settings = await financeSettings(db)
  const { currency } = await coreSettings(db)
  let partnerIds = options.partnerIds
  if (options.partnerId !== undefined)
    partnerIds = partnerIds === null || partnerIds.includes(options.partnerId) ? [options.partnerId] : []
  const cases = await loadCases(db, today, settings, { candidatesOnly: true, partnerIds })
  const items: CollectionItem[] = []
  for (const c of cases) {
    const d = decide(c, today)
    if (d.debt.lte(0) && c.status !== 'blocked') continue
    items.push({
      customerId: c.customerId,
      partnerId: c.partnerId,
      login: c.login,
      name: c.name,
      status: c.status,
      billingType: c.billingType,
      debt: toFixed(d.debt, currency),
      balance: toFixed(c.balance, currency),
      overdueInvoices: c.overdueInvoices,
      oldestDue: c.oldestDue,
      daysOverdue: d.daysOverdue,
      doNotBlockUntil: c.doNotBlockUntil,
      blockedOn: c.blockedOn,
      nextAction: d.action === 'block' || d.action === 'deactivate' || d.action === 'unblock' ? d.action : (d.next?.action ?? null),
      nextDate: d.action ? today : (d.next?.on ?? null),
    })
  }
  items.sort((a, b) => compare(b.debt, a.debt) || a.customerId - b.customerId)
  const totalDebt = sum(items.map((i) => i.debt))
  return { items: items.slice(options.offset, options.offset + options.limit), total: items.length, totalDebt: toFixed(totalDebt, currency) }
}
