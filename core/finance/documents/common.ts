import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../../../db/client.ts'
import { customers } from '../../customers/schema.ts'
import type { AppContext } from '../../kernel/context.ts'
import { NotFoundError, ValidationError, type FieldError } from '../../kernel/errors.ts'
import { auditChange } from '../../partners/audit.ts'
import { canSeePartner, type Actor } from '../../partners/scope.ts'

/** What document operations need from the app: the clock and the outbox. */
export type FinanceDeps = Pick<AppContext, 'clock' | 'emit'>

export const MAX_ID = 2_147_483_647
export const validId = (id: unknown): id is number => Number.isInteger(id) && (id as number) >= 1 && (id as number) <= MAX_ID

export interface AccountCustomer {
  id: number
  partnerId: number
  login: string
  name: string
}

/** A customer the actor may see; NotFound otherwise (other partners' customers simply do not exist). */
export async function accountCustomer(db: DbOrTx, actor: Pick<Actor, 'partnerIds'>, id: number): Promise<AccountCustomer> {
  const found = validId(id)
    ? await db
        .select({ id: customers.id, partnerId: customers.partnerId, login: customers.login, name: customers.name })
        .from(customers)
        .where(eq(customers.id, id))
    : []
  const c = found[0]
  if (!c || !canSeePartner(actor, c.partnerId)) throw new NotFoundError('Customer', id)
  return c
}

/** The same lookup for input that names a customer: a missing or unknown one is a field error. */
export async function customerField(
  db: DbOrTx,
  actor: Pick<Actor, 'partnerIds'>,
  id: unknown,
  field = 'customerId',
): Promise<AccountCustomer> {
  if (id === undefined || id === null || id === '') throw new ValidationError([{ field, message: 'is required' }])
  const n = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id
  try {
    return await accountCustomer(db, actor, n as number)
  } catch (err) {
    if (err instanceof NotFoundError) throw new ValidationError([{ field, message: `customer ${String(id)} does not exist` }])
    throw err
  }
}

/**
 * Serialises every change of one customer's account (payments, allocations, credit notes, voids):
 * allocation reads what is still open and then writes, so two of them at once must not interleave.
 * FOR NO KEY UPDATE does not block inserts that merely reference the customer.
 */
export async function lockAccount(tx: DbOrTx, customerId: number): Promise<void> {
  await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId)).for('no key update')
}

export function throwIfAny(errors: FieldError[]): void {
  if (errors.length) throw new ValidationError(errors)
}

export async function audit(
  tx: DbOrTx,
  deps: FinanceDeps,
  actor: Actor,
  action: string,
  entity: string,
  entityId: string | number,
  after?: unknown,
  before?: unknown,
): Promise<void> {
  await auditChange(tx, deps.clock, actor, { action, entity, entityId, after, before })
}

/** The admin behind a change, for created_by columns (null for customers and the system). */
export const adminId = (actor: Actor): number | null => (actor.type === 'admin' || actor.type === 'api' ? actor.id : null)
