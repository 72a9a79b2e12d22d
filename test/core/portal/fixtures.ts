import argon2 from 'argon2'
import { customers } from '../../../core/customers/schema.ts'
import { partners } from '../../../core/partners/schema.ts'
import type { DbOrTx } from '../../../db/client.ts'

export async function insertPartner(db: DbOrTx, name: string): Promise<number> {
  const [row] = await db.insert(partners).values({ name }).returning({ id: partners.id })
  return row!.id
}

export interface CustomerFixture {
  partnerId: number
  login: string
  name?: string
  status?: 'new' | 'active' | 'blocked' | 'inactive'
  email?: string | null
  phone?: string | null
  /** Portal password; none = no portal access. */
  password?: string
  dateAdded?: string
}

/** Inserts a customer row as the customers domain would store it (argon2id portal password). */
export async function insertCustomer(db: DbOrTx, c: CustomerFixture): Promise<number> {
  const [row] = await db
    .insert(customers)
    .values({
      partnerId: c.partnerId,
      login: c.login,
      name: c.name ?? c.login,
      status: c.status ?? 'active',
      email: c.email ?? null,
      phone: c.phone ?? null,
      portalPasswordHash: c.password ? await argon2.hash(c.password, { type: argon2.argon2id }) : null,
      dateAdded: c.dateAdded ?? '2026-01-10',
    })
    .returning({ id: customers.id })
  return row!.id
}
