import type { FastifyRequest } from 'fastify'
import type { Actor } from '../partners/scope.ts'
import { currentCustomer } from './guard.ts'

/**
 * The portal customer as an actor of the customer domain: limited to their own partner, and every
 * lookup is by their own id, so another customer's records are simply not found.
 */
export function portalActor(request: FastifyRequest): Actor & { customerId: number } {
  const customer = currentCustomer(request)
  return {
    type: 'customer',
    id: customer.id,
    name: customer.login,
    ip: request.ip,
    partnerIds: [customer.partnerId],
    customerId: customer.id,
  }
}
