import { and, asc, eq, inArray, isNotNull, lt } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { Clock } from '../kernel/clock.ts'
import { emitEvent } from '../kernel/events/outbox.ts'
import { auditChange } from '../partners/audit.ts'
import { systemActor } from '../partners/scope.ts'
import type { ServiceDeps } from './access.ts'
import { loadService } from './access.ts'
import { services } from './schema.ts'

/**
 * Stops every active or disabled service whose end date has passed, one transaction each, with
 * `service.status_changed` so the network plugins drop it. Called by the billing engine's daily job
 * (after applyDuePlanChanges); safe to run again.
 */
export async function stopEndedServices(
  db: DbOrTx,
  clock: Clock,
  emit: ServiceDeps['emit'] = emitEvent,
): Promise<{ stopped: number[] }> {
  const today = clock.today().toString()
  const due = await db
    .select({ id: services.id })
    .from(services)
    .where(and(inArray(services.status, ['active', 'disabled']), isNotNull(services.endDate), lt(services.endDate, today)))
    .orderBy(asc(services.id))
  const stopped: number[] = []
  for (const { id } of due) {
    const done = await db.transaction(async (tx) => {
      const { row, partnerId } = await loadService(tx, systemActor, id, true)
      if ((row.status !== 'active' && row.status !== 'disabled') || row.endDate === null || row.endDate >= today) return false
      await tx
        .update(services)
        .set({ status: 'stopped', nextPlanId: null, planChangeDate: null, updatedAt: clock.now() })
        .where(eq(services.id, id))
      await auditChange(tx, clock, systemActor, {
        action: 'service.status',
        entity: 'service',
        entityId: id,
        before: { status: row.status, endDate: row.endDate },
        after: { status: 'stopped', endDate: row.endDate },
      })
      await emit(tx, 'service.status_changed', {
        serviceId: id,
        customerId: row.customerId,
        partnerId,
        type: row.type,
        login: row.login,
        from: row.status,
        to: 'stopped',
      })
      return true
    })
    if (done) stopped.push(id)
  }
  return { stopped }
}
