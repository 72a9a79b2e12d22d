import type { DbOrTx } from '../../../db/client.ts'
import { outboxEvents } from './schema.ts'

/** Writes an event in the caller's transaction; the dispatcher delivers it after commit. */
export async function emitEvent(tx: DbOrTx, type: string, payload: Record<string, unknown>): Promise<void> {
  await tx.insert(outboxEvents).values({ type, payload })
}
