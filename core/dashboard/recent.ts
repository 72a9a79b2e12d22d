import { desc, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { customers } from '../customers/schema.ts'

export interface RecentCustomer {
  id: number
  name: string
  login: string
  status: 'new' | 'active' | 'blocked' | 'inactive'
  dateAdded: string
}

/** The customers added last, for the dashboard, limited to the partners the admin may see. */
export async function recentCustomers(
  db: DbOrTx,
  options: { partnerIds: number[] | null; limit: number },
): Promise<RecentCustomer[]> {
  const where =
    options.partnerIds === null ? undefined : options.partnerIds.length ? inArray(customers.partnerId, options.partnerIds) : sql`false`
  return db
    .select({ id: customers.id, name: customers.name, login: customers.login, status: customers.status, dateAdded: customers.dateAdded })
    .from(customers)
    .where(where)
    .orderBy(desc(customers.createdAt), desc(customers.id))
    .limit(options.limit)
}
