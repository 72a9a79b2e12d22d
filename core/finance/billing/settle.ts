import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../../../db/client.ts'
import { allocateOpenCredit } from '../payments/allocation.ts'
import { intArray } from '../../../db/arrays.ts'
import type { IssueOutcome } from './issue-batch.ts'

/**
 * Pays the new invoices from credit the customers already have (payments in advance, account credit
 * notes): how prepaid-from-balance customers are charged. A credit note the run itself issued settles
 * the customer's open invoices the same way, as one issued by hand does. One query finds the few
 * customers of the batch with unallocated credit, so a run over customers without any costs nothing more.
 */
export async function settleFromCredit(tx: Tx, outcomes: readonly IssueOutcome[], now: Date): Promise<number> {
  const ids = outcomes.filter((o) => o.status === 'invoiced' || o.status === 'credited').map((o) => o.customerId)
  if (!ids.length) return 0
  const list = intArray(ids)
  const withCredit = await rows<{ id: number }>(
    tx,
    sql`select distinct customer_id as id from payments p
        where p.customer_id = any(${list}) and p.status = 'posted'
          and p.amount > coalesce((select sum(a.amount) from payment_allocations a where a.payment_id = p.id), 0)
        union
        select distinct customer_id from credit_notes n
        where n.customer_id = any(${list}) and n.status = 'issued'
          and n.total > coalesce((select sum(a.amount) from payment_allocations a where a.credit_note_id = n.id), 0)
        order by 1`,
  )
  for (const { id } of withCredit) await allocateOpenCredit(tx, id, { now })
  return withCredit.length
}
