import { loadConfig } from '../../../config/index.ts'
import { createCustomer } from '../../../core/customers/service.ts'
import { ManualClock } from '../../../core/kernel/clock.ts'
import { ValidationError } from '../../../core/kernel/errors.ts'
import { emitEvent } from '../../../core/kernel/events/outbox.ts'
import { partners } from '../../../core/partners/schema.ts'
import type { Actor } from '../../../core/partners/scope.ts'
import { createPlan } from '../../../core/plans/service.ts'
import type { ServiceDeps } from '../../../core/services/access.ts'
import type { Db } from '../../../db/client.ts'

export const admin: Actor = { type: 'admin', id: null, name: 'tester', partnerIds: null }
export const INSTANCE_KEY = 'services-test-key-0123456789abcdefghijkl'

export function deps(clock = new ManualClock('2026-03-10T09:00:00Z')): ServiceDeps & { clock: ManualClock } {
  return {
    clock,
    emit: emitEvent,
    config: loadConfig({ NODE_ENV: 'test', INSTANCE_KEY, DATA_DIR: '/nonexistent-test-data-dir', PLUGINS: '' }),
  }
}

/** The ISP itself and a reseller, a customer of each, and plans: two internet for all, one for the reseller only, a recurring one. */
export async function world(db: Db, d: ServiceDeps) {
  const [main] = await db.insert(partners).values({ name: 'Main ISP' }).returning()
  const [north] = await db.insert(partners).values({ name: 'Reseller North' }).returning()
  const alice = await createCustomer(db, d, admin, { name: 'Alice', login: 'alice', partnerId: main!.id })
  const bob = await createCustomer(db, d, admin, { name: 'Bob', login: 'bob', partnerId: north!.id })
  const internet = (name: string, down: number, extra: Record<string, unknown> = {}) =>
    createPlan(db, d, admin, { type: 'internet', name, price: '200', downloadKbps: down, uploadKbps: down / 4, priority: 8, ...extra })
  const fiber100 = await internet('Fiber 100', 102400)
  const fiber300 = await internet('Fiber 300', 307200)
  const northOnly = await internet('North 50', 51200, { allPartners: false, partnerIds: [north!.id] })
  const ipRental = await createPlan(db, d, admin, { type: 'recurring', name: 'Static IP', price: '5' })
  return { main: main!.id, north: north!.id, alice, bob, fiber100, fiber300, northOnly, ipRental }
}

/** The field errors of a failed call as { field: message }; {} when it succeeded. */
export async function fieldsOf(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p
  } catch (err) {
    if (err instanceof ValidationError) return Object.fromEntries(err.fields.map((f) => [f.field, f.message]))
    throw err
  }
  return {}
}
