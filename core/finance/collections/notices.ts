import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { OUTBOX_CHANNEL } from '../../kernel/events/outbox.ts'
import { collectionNotices } from './schema.ts'

export interface Notice {
  key: string
  customerId: number
  kind: string
  noticeDate: string
  event: string
  payload: Record<string, unknown>
}

const BATCH = 5000

/**
 * Records notices and emits the event of each one that was not recorded before, in the caller's
 * transaction: whichever run inserts the key first announces it, the others find it taken. The
 * events go to the outbox in one statement per batch (a morning's reminders can be one per
 * customer) with the same transactional NOTIFY as emitEvent.
 */
export async function sendNotices(tx: DbOrTx, notices: readonly Notice[]): Promise<number> {
  let sent = 0
  for (let i = 0; i < notices.length; i += BATCH) {
    const batch = notices.slice(i, i + BATCH)
    const inserted = await tx
      .insert(collectionNotices)
      .values(batch.map(({ key, customerId, kind, noticeDate }) => ({ key, customerId, kind, noticeDate })))
      .onConflictDoNothing({ target: collectionNotices.key })
      .returning({ key: collectionNotices.key })
    const fresh = new Set(inserted.map((r) => r.key))
    const events = batch.filter((n) => fresh.has(n.key)).map((n) => ({ type: n.event, payload: n.payload }))
    if (events.length) {
      await tx.execute(sql`
        with e as (
          insert into outbox_events (type, payload)
          select x.value->>'type', x.value->'payload' from jsonb_array_elements(${JSON.stringify(events)}::jsonb) with ordinality x(value, n)
          order by x.n
          returning id)
        select pg_notify(${OUTBOX_CHANNEL}, max(id)::text) from e`)
    }
    sent += events.length
  }
  return sent
}

/** '9,5,5' -> [9, 5, 5]; '' -> []. */
export function parseDayList(value: string): number[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number)
}
