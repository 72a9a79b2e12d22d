import { ManualClock } from '../../../core/kernel/clock.ts'
import { emitEvent } from '../../../core/kernel/events/outbox.ts'
import type { Actor } from '../../../core/partners/scope.ts'
import { partners } from '../../../core/partners/schema.ts'
import type { CrmDeps } from '../../../core/customers/service.ts'
import type { Db } from '../../../db/client.ts'

export const admin: Actor = { type: 'admin', id: null, name: 'tester', partnerIds: null }

export function deps(clock = new ManualClock('2026-03-10T09:00:00Z')): CrmDeps {
  return { clock, emit: emitEvent }
}

/** Two partners: the ISP itself and a reseller. */
export async function twoPartners(db: Db): Promise<{ main: number; reseller: number }> {
  const [main] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
  const [reseller] = await db.insert(partners).values({ name: 'Reseller North' }).returning()
  return { main: main!.id, reseller: reseller!.id }
}
