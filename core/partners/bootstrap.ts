import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { partners } from './schema.ts'

/** A new installation gets its main partner (the ISP itself), so customers have somewhere to belong. */
export async function ensureMainPartner(db: DbOrTx): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7411102)`)
    const [any] = await tx.select({ id: partners.id }).from(partners).limit(1)
    if (!any) await tx.insert(partners).values({ name: 'Main' })
  })
}
