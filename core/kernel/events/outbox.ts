import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'

/** LISTEN/NOTIFY channel that wakes dispatchers when an event commits. */
export const OUTBOX_CHANNEL = 'uplink_outbox'

/**
 * Writes an event in the caller's transaction; the dispatcher delivers it after commit. The NOTIFY
 * is transactional too: it reaches listeners only when (and if) the transaction commits.
 */
export async function emitEvent(tx: DbOrTx, type: string, payload: Record<string, unknown>): Promise<void> {
  await tx.execute(sql`
    with e as (insert into outbox_events (type, payload) values (${type}, ${JSON.stringify(payload)}::jsonb) returning id)
    select pg_notify(${OUTBOX_CHANNEL}, e.id::text) from e`)
}
