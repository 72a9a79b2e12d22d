import { and, eq, getTableColumns, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { customers } from '../customers/schema.ts'
import type { AppContext } from '../kernel/context.ts'
import { NotFoundError } from '../kernel/errors.ts'
import { canSeePartner, type Actor } from '../partners/scope.ts'
import { planPartners, plans } from '../plans/schema.ts'
import { services } from './schema.ts'

/** What service operations need: the clock, the outbox, and the config (for the instance key). */
export type ServiceDeps = Pick<AppContext, 'clock' | 'emit' | 'config'>

export type ServiceRow = typeof services.$inferSelect
export type PlanRow = typeof plans.$inferSelect

/** A service as the panel and the API show it: the password never, only whether there is one. */
export type Service = Omit<ServiceRow, 'passwordEncrypted'> & { hasPassword: boolean; partnerId: number }

export function publicService(row: ServiceRow, partnerId: number): Service {
  const { passwordEncrypted, ...rest } = row
  return { ...rest, hasPassword: passwordEncrypted !== null, partnerId }
}

export function validId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= 2_147_483_647
}

/** A service with its customer's partner; NotFound when the actor may not see that partner. */
export async function loadService(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  id: number,
  lock = false,
): Promise<{ row: ServiceRow; partnerId: number }> {
  if (!validId(id)) throw new NotFoundError('Service', id)
  const query = db
    .select({ row: getTableColumns(services), partnerId: customers.partnerId })
    .from(services)
    .innerJoin(customers, eq(customers.id, services.customerId))
    .where(eq(services.id, id))
  const [found] = lock ? await query.for('update', { of: services }) : await query
  if (!found || !canSeePartner(actor, found.partnerId)) throw new NotFoundError('Service', id)
  return found
}

/** The customer's id, partner and login, when the actor may see it. */
export async function loadCustomer(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  id: number,
): Promise<{ id: number; partnerId: number; login: string }> {
  if (!validId(id)) throw new NotFoundError('Customer', id)
  const [c] = await db
    .select({ id: customers.id, partnerId: customers.partnerId, login: customers.login })
    .from(customers)
    .where(eq(customers.id, id))
  if (!c || !canSeePartner(actor, c.partnerId)) throw new NotFoundError('Customer', id)
  return c
}

/** An active plan a customer of this partner may get, or null. */
export async function planForPartner(db: DbOrTx, planId: number, partnerId: number): Promise<PlanRow | null> {
  if (!validId(planId)) return null
  const [plan] = await db
    .select()
    .from(plans)
    .where(
      and(
        eq(plans.id, planId),
        eq(plans.active, true),
        or(
          eq(plans.allPartners, true),
          sql`exists (select 1 from ${planPartners} where ${planPartners.planId} = ${plans.id} and ${planPartners.partnerId} = ${partnerId})`,
        ),
      ),
    )
  return plan ?? null
}

export async function planById(db: DbOrTx, planId: number): Promise<PlanRow> {
  const [plan] = await db.select().from(plans).where(eq(plans.id, planId))
  if (!plan) throw new NotFoundError('Plan', planId)
  return plan
}

/** What the network needs to know of a plan when a service moves between plans. */
export function planSummary(p: PlanRow) {
  return { id: p.id, name: p.name, type: p.type, downloadKbps: p.downloadKbps, uploadKbps: p.uploadKbps }
}
