import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'
import { addDays, compareDates, formatDate } from '../../kernel/dates.ts'
import type { FinanceSettingsValue } from '../settings.ts'
import { reminderDates } from './dates.ts'
import { parseDayList, sendNotices, type Notice } from './notices.ts'

/** A reminder whose day passed longer ago than this is not sent late (after an outage or on first use). */
const LATE_WINDOW_DAYS = 7

interface UnpaidInvoice {
  id: number
  customerId: number
  partnerId: number
  number: string
  issueDate: string
  dueDate: string
  unpaid: string
}

/**
 * invoice.reminder_due for unpaid invoices: reminder 1, 2 or 3 on the days reminderDates gives for
 * the settings' schedule. Only the latest reminder whose day has come is sent, once per invoice and
 * number, for the notifications plugin to mail.
 */
export async function sendReminders(
  tx: DbOrTx,
  settings: Pick<FinanceSettingsValue, 'reminderMode' | 'reminderDays'>,
  today: string,
): Promise<number> {
  const days = parseDayList(settings.reminderDays)
  if (!days.length) return 0
  const schedule = { mode: settings.reminderMode, days }
  const invoices = await rows<UnpaidInvoice>(
    tx,
    sql`select id, customer_id as "customerId", partner_id as "partnerId", number, issue_date::text as "issueDate",
        due_date::text as "dueDate", (total - paid_amount)::text as unpaid
      from invoices where kind = 'invoice' and status in ('issued', 'overdue') and total > paid_amount
        and issue_date <= ${today}::date
      order by id`,
  )
  const oldest = formatDate(addDays(today, -LATE_WINDOW_DAYS))
  const notices: Notice[] = []
  for (const inv of invoices) {
    const dates = reminderDates(inv.issueDate, schedule)
    let n = 0
    for (const [i, d] of dates.entries()) if (compareDates(d, today) <= 0) n = i + 1
    if (!n || compareDates(dates[n - 1]!, oldest) < 0) continue
    notices.push({
      key: `reminder:inv-${inv.id}:${n}`,
      customerId: inv.customerId,
      kind: 'reminder',
      noticeDate: today,
      event: 'invoice.reminder_due',
      payload: {
        invoiceId: inv.id,
        customerId: inv.customerId,
        partnerId: inv.partnerId,
        number: inv.number,
        reminder: n,
        dueDate: inv.dueDate,
        unpaid: inv.unpaid,
      },
    })
  }
  return sendNotices(tx, notices)
}
