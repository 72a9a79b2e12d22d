import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { formatDate } from '../../kernel/dates.ts'
import type { FinanceSettingsValue } from '../settings.ts'
import { monthlyAmountSql } from '../reports/recurring.ts'
import { prepaidDaysLeft } from './dates.ts'
import { parseDayList, sendNotices, type Notice } from './notices.ts'

interface PrepaidCustomer {
  customerId: number
  partnerId: number
  balance: string
  minimumBalance: string
  monthly: string
}

/**
 * prepaid.low_balance for active prepaid customers whose balance lasts fewer days than a warning
 * wave (e.g. 10, 5 and 1 days before blocking): the most urgent wave reached is announced, once per
 * wave and per "paid through" day, so a top-up that moves that day starts the waves again.
 */
export async function sendLowBalanceWarnings(
  tx: DbOrTx,
  settings: Pick<FinanceSettingsValue, 'lowBalanceWarningDays' | 'minimumBalance'>,
  today: string,
  currency: string,
): Promise<number> {
  const waves = parseDayList(settings.lowBalanceWarningDays).sort((a, b) => a - b)
  if (!waves.length) return 0
  const on = sql`${today}::date`
  const customers = await rows<PrepaidCustomer>(
    tx,
    sql`select c.id as "customerId", c.partner_id as "partnerId",
        coalesce((select sum(l.credit - l.debit) from ledger_entries l where l.customer_id = c.id), 0)::text as balance,
        coalesce(cb.minimum_balance, ${settings.minimumBalance}::numeric)::text as "minimumBalance",
        coalesce((select sum(${monthlyAmountSql(on)}) from services s join plans p on p.id = s.plan_id
          where s.customer_id = c.id and s.status = 'active' and s.type <> 'one_time'
            and s.start_date <= ${on} and (s.end_date is null or s.end_date >= ${on})), 0)::text as monthly
      from customer_billing cb join customers c on c.id = cb.customer_id
      where cb.type in ('prepaid_daily', 'prepaid_monthly') and c.status = 'active'
      order by c.id`,
  )
  const notices: Notice[] = []
  const limit = waves.at(-1)! + 1
  for (const c of customers) {
    const { days, paidThrough } = prepaidDaysLeft(c.balance, c.monthly, today, currency, {
      minimumBalance: c.minimumBalance,
      limitDays: limit,
    })
    const wave = waves.find((w) => days <= w)
    if (wave === undefined) continue
    const through = paidThrough ? formatDate(paidThrough) : 'none'
    notices.push({
      key: `low_balance:c-${c.customerId}:${through}:${wave}`,
      customerId: c.customerId,
      kind: 'low_balance',
      noticeDate: today,
      event: 'prepaid.low_balance',
      payload: {
        customerId: c.customerId,
        partnerId: c.partnerId,
        balance: c.balance,
        daysLeft: days,
        paidThrough: paidThrough ? through : null,
        wave,
      },
    })
  }
  return sendNotices(tx, notices)
}
