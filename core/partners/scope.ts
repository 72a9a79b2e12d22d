import type { FastifyRequest } from 'fastify'
import { UnauthorizedError } from '../kernel/errors.ts'

/** Who makes a change (for the audit log) and which partners they may see (null: all). */
export interface Actor {
  type: 'admin' | 'api' | 'customer' | 'system'
  id: number | null
  name: string | null
  ip?: string | null
  partnerIds: number[] | null
}

export const systemActor: Actor = { type: 'system', id: null, name: 'system', partnerIds: null }

/** The actor behind an authenticated admin request (session or API key). */
export function actorFromRequest(request: FastifyRequest): Actor {
  const admin = request.admin
  if (!admin) throw new UnauthorizedError()
  return {
    type: admin.via === 'apikey' ? 'api' : 'admin',
    id: admin.id,
    name: admin.login,
    ip: request.ip,
    partnerIds: admin.partnerIds,
  }
}

/** True when the actor may see records of this partner. */
export function canSeePartner(actor: Pick<Actor, 'partnerIds'>, partnerId: number): boolean {
  return actor.partnerIds === null || actor.partnerIds.includes(partnerId)
}
