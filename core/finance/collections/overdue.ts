import { sql } from 'drizzle-orm'
import { rows, type DbOrTx } from '../../../db/client.ts'

/**
 * Issued invoices still unpaid after their due date become overdue, in one statement. The due date
 * is the last day to pay, so an invoice due today is not overdue yet. Re-running it changes nothing.
 */
export async function markOverdue(db: DbOrTx, today: string): Promise<number> {
  const changed = await rows<{ id: number }>(
    db,
    sql`update invoices set status = 'overdue'
      where kind = 'invoice' and status = 'issued' and due_date < ${today}::date and paid_amount < total
      returning id`,
  )
  return changed.length
}
