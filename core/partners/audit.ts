import type { DbOrTx } from '../../db/client.ts'
import { recordAudit } from '../audit/service.ts'
import type { Clock } from '../kernel/clock.ts'
import type { Actor } from './scope.ts'

export interface CrmAuditEntry {
  action: string
  entity: string
  entityId: string | number
  before?: unknown
  after?: unknown
}

/** Writes one audit row in the caller's transaction (CRM changes: customers, contacts, partners). */
export async function auditChange(tx: DbOrTx, clock: Clock, actor: Actor, entry: CrmAuditEntry): Promise<void> {
  await recordAudit(tx, {
    actor: { type: actor.type, id: actor.id, name: actor.name },
    ip: actor.ip ?? null,
    at: clock.now(),
    ...entry,
  })
}
